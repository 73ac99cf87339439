/**
 * Video over IME, end to end across the demo world in Chromium: alice (alpha) and bob (bravo) both tick Video.
 * The first call has no IME route: it goes via the PSTN gateway as audio only (no video is even offered) and
 * alice is told why. After validation the second call goes over IME and carries video both ways, checked by
 * content: frames decoded keep growing on both sides and the far end's picture on each page changes. alice turns
 * her camera off (bob's decoded frames stop), then on again (they resume), and picks another camera. Then bravo's
 * edge goes down: the next call falls back to the PSTN, audio only, and alice is told why. Layout on a laptop and
 * on a phone's screen: screenshots in test/e2e/artifacts/.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { ARTIFACTS, screenshot } from './support/browser.js'
import { readAudioStats, sleep, twoWayAudio, until } from './support/media.js'
import { checkRemotePicture, readVideoStats, type PictureCheck, type VideoStats } from './support/video.js'
import { callAndAnswer, chromiumSoftphone, hangUp, runValidations } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'

const video = (page: Page): Promise<VideoStats> => page.evaluate(readVideoStats)
const picture = (page: Page): Promise<PictureCheck> => page.evaluate(checkRemotePicture)

/** Frames decoded on `page` grow by more than `min` within the wait. */
async function framesGrow(page: Page, min = 10): Promise<number> {
  const before = (await video(page)).framesDecoded
  const after = await until(
    () => video(page),
    (s) => s.framesDecoded > before + min,
    10_000,
  )
  return after.framesDecoded - before
}

describe('video over IME in Chromium, across the demo world', () => {
  const errors: string[] = []

  const used = useE2eWorld('video')

  const softphone = async (e: WorldEnterprise, user: string): Promise<Page> => {
    const page = await chromiumSoftphone(used.chromium, e, user, errors, (p) =>
      p.context().grantPermissions(['microphone', 'camera'], { origin: e.node.http!.url }),
    )
    await page.getByRole('checkbox', { name: 'Video' }).check()
    return page
  }
  const inCall = async (...pages: Page[]) => {
    for (const p of pages) await p.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible' })
  }
  const videoNote = (page: Page) => page.locator('#video-note').textContent()

  it('PSTN: audio only, said why; IME: video both ways, camera off and on; fallback: audio only, said why', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const alice = await softphone(alpha, 'alice')
    const bob = await softphone(bravo, 'bob')

    // 1. No route yet: the PSTN carries voice only; no video is offered, and alice reads why.
    await callAndAnswer(alice, bob, '+1 202 555 0102')
    await inCall(alice, bob)
    await twoWayAudio(
      () => alice.evaluate(readAudioStats),
      () => bob.evaluate(readAudioStats),
    )
    expect(await videoNote(alice)).toMatch(/^Audio only: there is no IME route to this number yet/)
    expect((await video(alice)).negotiated).toBe(false)
    expect((await video(bob)).negotiated).toBe(false)
    expect(await alice.locator('#video').isHidden()).toBe(true)
    await sleep(1_200) // long enough to be validated
    await hangUp(alice)
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    expect(await runValidations(alpha)).toContain('validated')

    // 2. Over IME: video both ways, by content.
    await callAndAnswer(alice, bob, '+12025550102')
    await inCall(alice, bob)
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.path).toBe('ime')
    expect(await framesGrow(alice)).toBeGreaterThan(10)
    expect(await framesGrow(bob)).toBeGreaterThan(10)
    for (const page of [alice, bob]) {
      const seen = await until(
        () => picture(page),
        (p) => p.width > 0 && p.changedPixels > 0,
        10_000,
      )
      expect(seen.width).toBeGreaterThanOrEqual(320)
      expect(seen.litPixels).toBeGreaterThan(100)
      expect(seen.changedPixels).toBeGreaterThan(0)
      expect(seen.framesShown).toBeGreaterThan(3)
    }
    expect(await videoNote(alice)).toBe('')
    await sleep(600)
    await screenshot(alice, 'video-1-ime-laptop')

    // Camera off: nothing is sent, bob's decoded frames stop; the camera's light goes out (the track ends).
    await alice.getByRole('button', { name: 'Camera off' }).click()
    await alice.getByRole('button', { name: 'Camera on' }).waitFor()
    await sleep(1_000)
    const stalled = (await video(bob)).framesDecoded
    await sleep(1_500)
    expect((await video(bob)).framesDecoded).toBe(stalled)
    expect(await alice.locator('#local-video').isHidden()).toBe(true)
    // On again: frames flow once more, on the same connection.
    await alice.getByRole('button', { name: 'Camera on' }).click()
    expect(await framesGrow(bob)).toBeGreaterThan(10)

    // Another camera (Chromium's fake device is the only one; choosing it by id opens it afresh, same call).
    await alice.locator('details.devices summary').click()
    const cameras = await alice
      .locator('#camera option')
      .evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))
    expect(cameras.length).toBeGreaterThanOrEqual(2)
    await alice.locator('#camera').selectOption(cameras[1]!)
    expect(await framesGrow(bob)).toBeGreaterThan(10)

    // A phone's screen: the picture comes first, full width.
    await bob.setViewportSize({ width: 390, height: 844 })
    await sleep(600)
    await screenshot(bob, 'video-2-ime-phone')
    await bob.screenshot({ path: join(ARTIFACTS, 'video-2-ime-phone-screen.png') }) // what the screen shows
    const box = await bob.locator('#video').boundingBox()
    expect(box!.width).toBeGreaterThan(0.8 * 390) // the card's width, less its padding
    expect(box!.y).toBeLessThan(400)
    await bob.setViewportSize({ width: 1000, height: 760 })
    await hangUp(alice)
    await expect(alice.locator('#video').isHidden()).resolves.toBe(true)
    // The camera is released when the call ends.
    expect(
      await alice.evaluate(() => (document.getElementById('local-video') as HTMLVideoElement).srcObject),
    ).toBeNull()

    // 3. bravo's edge is down: the call falls back to the PSTN, audio only, and alice reads why.
    const down = await fetch(`${bravo.node.http!.url}/api/edge/down`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bravo.operatorToken}` },
    })
    expect(down.status).toBe(200)
    await callAndAnswer(alice, bob, '+12025550102')
    await inCall(alice, bob)
    await expect
      .poll(() => videoNote(alice))
      .toMatch(/^Audio only: the IME route could not be reached, so the call went over the phone network/)
    expect((await video(alice)).negotiated).toBe(false)
    expect(await alice.locator('#video').isHidden()).toBe(true)
    await screenshot(alice, 'video-3-fallback-audio-only')
    await hangUp(alice)
    const refused = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed: .*ERR_CONNECTION_REFUSED/
    expect(errors.filter((e) => !refused.test(e))).toEqual([])
  }, 180_000)
})
