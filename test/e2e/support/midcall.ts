/**
 * Steps the mid-call fallback browser tests share: what a softphone shows of its call, hearing the far end's tone
 * by its frequency, a PSTN call that validation turns into a learned route, and the IME call over that route.
 */
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import type { WorldEnterprise } from '../../../src/demo/world.js'
import { ALICE_HZ, BOB_HZ, near, readToneFrequency, sleep, until } from './media.js'
import { callAndAnswer, hangUp, runValidations } from './world.js'

/** The call's path as the softphone shows it (IME, PSTN...). */
export const callPath = (p: Page) => p.locator('#call-path').textContent()
/** The note the softphone shows under the call. */
export const callNote = (p: Page) => p.locator('#call-note').textContent()

/** The page plays the far end's tone at `hz` within 20 s (read from its audio by frequency). */
export async function hears(p: Page, hz: number): Promise<void> {
  expect(await until(() => p.evaluate(readToneFrequency), near(hz), 20_000)).toSatisfy(near(hz))
}

/** A PSTN call from alice (alpha) to bob (bravo), heard, hung up, and validated: the route the next call takes. */
export async function validatedPstnCall(
  alice: Page,
  bob: Page,
  alpha: WorldEnterprise,
  bravo: WorldEnterprise,
  number: string,
): Promise<void> {
  await callAndAnswer(alice, bob, number)
  await hears(bob, ALICE_HZ)
  await sleep(1_200)
  await hangUp(alice)
  await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
  expect(await runValidations(alpha)).toContain('validated')
}

/** alice calls bob over IME (the learned route): both pages show IME and hear each other's tone. */
export async function imeCallWithTones(alice: Page, bob: Page, number: string): Promise<void> {
  await callAndAnswer(alice, bob, number)
  await expect.poll(() => callPath(alice)).toBe('IME')
  await expect.poll(() => callPath(bob)).toBe('IME')
  await hears(alice, BOB_HZ)
  await hears(bob, ALICE_HZ)
}
