import { describeRecordStore } from '../testing/record-store-suite.js'
import { openDatabase } from './database.js'
import { SqliteRecordStore } from './dht-record-store.js'

describeRecordStore('SQLite', (limits) => new SqliteRecordStore(openDatabase(':memory:'), limits))
