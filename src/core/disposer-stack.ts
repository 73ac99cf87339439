/**
 * Stop functions of the parts started so far, run in reverse order (the last part started stops first). Every
 * stop function runs even when an earlier one fails; the failures are reported together at the end. Disposing
 * twice runs nothing twice: the second call gets the first call's outcome.
 */
export type Disposer = () => void | Promise<void>

export interface DisposeFailure {
  readonly label: string
  readonly error: unknown
}

/** Some stop functions failed: which, and why (`errors` holds the causes in the order they failed). */
export class DisposeError extends AggregateError {
  override readonly name = 'DisposeError'

  constructor(readonly failures: readonly DisposeFailure[]) {
    super(
      failures.map((f) => f.error),
      `stopping failed at ${failures.map((f) => `"${f.label}" (${messageOf(f.error)})`).join(', ')}`,
    )
  }
}

export class DisposerStack {
  private readonly entries: { label: string; dispose: Disposer }[] = []
  private disposing: Promise<void> | undefined

  /** How many stop functions are waiting. */
  get size(): number {
    return this.entries.length
  }

  get disposed(): boolean {
    return this.disposing !== undefined
  }

  /** Keeps a stop function, to run before every one kept earlier. Refused once the stack is disposed. */
  defer(label: string, dispose: Disposer): void {
    if (this.disposing !== undefined) throw new Error(`cannot defer "${label}": the stack is already disposed`)
    this.entries.push({ label, dispose })
  }

  /** Runs the stop functions, last first; rejects with a DisposeError when any failed (after all have run). */
  dispose(): Promise<void> {
    this.disposing ??= this.run()
    return this.disposing
  }

  private async run(): Promise<void> {
    const failures: DisposeFailure[] = []
    for (let entry = this.entries.pop(); entry !== undefined; entry = this.entries.pop()) {
      try {
        await entry.dispose()
      } catch (error) {
        failures.push({ label: entry.label, error })
      }
    }
    if (failures.length > 0) throw new DisposeError(failures)
  }
}

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))
