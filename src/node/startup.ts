/**
 * A node starts in named steps, each starting one part. Each part started is kept with its stop function on a
 * DisposerStack: when a step fails, every part started before it stops (last first) and the error names the
 * step; the node's stop runs the same stack.
 */
import { DisposeError, DisposerStack, messageOf } from '../core/disposer-stack.js'

/** A started part: whatever it offers, and how to stop it. */
export interface Part {
  stop(): void | Promise<void>
}

export class NodeStartError extends Error {
  override readonly name = 'NodeStartError'

  constructor(
    /** The step that failed. */
    readonly step: string,
    cause: unknown,
    /** What failed while stopping the parts started before it, if anything did. */
    readonly cleanup?: DisposeError,
  ) {
    super(
      `node start failed at step "${step}": ${messageOf(cause)}` +
        (cleanup === undefined ? '' : `; and then ${cleanup.message}`),
      { cause },
    )
  }
}

export class Startup {
  private readonly stack = new DisposerStack()

  /** Starts a part; on failure, stops the parts started so far and throws a NodeStartError naming the step. */
  async step<P extends Part>(name: string, start: () => P | Promise<P>): Promise<P> {
    if (this.stack.disposed) throw new NodeStartError(name, new Error('the node was stopped'))
    let part: P
    try {
      part = await start()
    } catch (cause) {
      const cleanup = await this.stack.dispose().then(
        () => undefined,
        (e: unknown) => (e instanceof DisposeError ? e : new DisposeError([{ label: '?', error: e }])),
      )
      throw new NodeStartError(name, cause, cleanup)
    }
    this.stack.defer(name, () => part.stop())
    return part
  }

  /** Stops every part started, last first; idempotent. Rejects with a DisposeError naming the parts that failed. */
  stop(): Promise<void> {
    return this.stack.dispose()
  }
}
