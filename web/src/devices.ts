/** Microphone and speaker choice: enumerateDevices, getUserMedia with a device, setSinkId where supported. */
export interface AudioDevice {
  readonly deviceId: string
  readonly label: string
}

export interface AudioDevices {
  readonly microphones: AudioDevice[]
  readonly speakers: AudioDevice[]
}

/** Labels are empty until the page has microphone permission; number them then. */
export function describeDevices(list: readonly Pick<MediaDeviceInfo, 'deviceId' | 'kind' | 'label'>[]): AudioDevices {
  const pick = (kind: MediaDeviceKind, noun: string) =>
    list
      .filter((d) => d.kind === kind && d.deviceId !== '')
      .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${noun} ${i + 1}` }))
  return { microphones: pick('audioinput', 'Microphone'), speakers: pick('audiooutput', 'Speaker') }
}

export async function listAudioDevices(): Promise<AudioDevices> {
  if (!navigator.mediaDevices?.enumerateDevices) return { microphones: [], speakers: [] }
  return describeDevices(await navigator.mediaDevices.enumerateDevices())
}

export const canChooseSpeaker = (): boolean =>
  typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype

export async function setSpeaker(el: HTMLMediaElement, deviceId: string): Promise<void> {
  const media = el as HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> }
  if (media.setSinkId) await media.setSinkId(deviceId)
}

export async function openMicrophone(deviceId: string | undefined): Promise<MediaStream> {
  const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true }
  if (deviceId) audio.deviceId = { exact: deviceId }
  return navigator.mediaDevices.getUserMedia({ audio, video: false })
}
