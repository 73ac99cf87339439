import { describe, expect, it } from 'vitest'
import { mergeContacts, parseDirectory, parseNames, searchContacts, type Contact } from './contacts.js'

const anna: Contact = { name: 'anna', number: '+12015550101', kind: 'colleague', registered: true }
const zoe: Contact = { name: 'Zoë Ortiz', number: '+12015550109', kind: 'colleague', registered: false }

describe('parseDirectory', () => {
  it('keeps well-formed entries and their presence, drops the rest', () => {
    expect(
      parseDirectory({
        contacts: [
          { name: 'anna', number: '+12015550101', registered: true },
          { name: '', number: '+1' },
          { number: '+12015550102' },
          'nonsense',
          { name: 'Zoë Ortiz', number: '+12015550109', registered: 'yes' },
        ],
      }),
    ).toEqual([anna, zoe])
    expect(parseDirectory(undefined)).toEqual([])
    expect(parseDirectory({ contacts: 'x' })).toEqual([])
  })
})

describe('parseNames', () => {
  it('reads E.164 numbers with non-empty names, and survives anything else', () => {
    expect([...parseNames('{"+12025550102":" Bob at Bravo ","12345":"x","+12025550103":"","+12025550104":7}')]).toEqual(
      [['+12025550102', 'Bob at Bravo']],
    )
    expect(parseNames('not json').size).toBe(0)
    expect(parseNames('null').size).toBe(0)
    expect(parseNames(null).size).toBe(0)
  })
})

describe('mergeContacts', () => {
  it('lists colleagues, then named numbers, each number once (a colleague keeps their own name)', () => {
    const names = new Map([
      ['+12025550102', 'bob'],
      ['+12015550101', 'my colleague anna'],
      ['+12025550103', 'Bert'],
    ])
    expect(mergeContacts([zoe, anna], names).map((c) => `${c.kind}:${c.name}`)).toEqual([
      'colleague:anna',
      'colleague:Zoë Ortiz',
      'named:Bert',
      'named:bob',
    ])
  })
})

describe('searchContacts', () => {
  const all = [anna, zoe, { name: 'Bob at Bravo', number: '+12025550102', kind: 'named' as const }]
  it('finds by words of the name, any case, accents ignored', () => {
    expect(searchContacts(all, 'zoe').map((c) => c.name)).toEqual(['Zoë Ortiz'])
    expect(searchContacts(all, 'BRAVO bob').map((c) => c.name)).toEqual(['Bob at Bravo'])
    expect(searchContacts(all, 'an').map((c) => c.name)).toEqual(['anna'])
  })
  it('finds by digits however they are typed; an empty query finds all', () => {
    expect(searchContacts(all, '555 0102').map((c) => c.name)).toEqual(['Bob at Bravo'])
    expect(searchContacts(all, '(201) 555').map((c) => c.name)).toEqual(['anna', 'Zoë Ortiz'])
    expect(searchContacts(all, '  ')).toHaveLength(3)
    expect(searchContacts(all, 'nobody')).toEqual([])
  })
})
