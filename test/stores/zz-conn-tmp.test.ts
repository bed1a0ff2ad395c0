import { MongoReadStore } from '../../src/stores/read/mongo-read-store';
it('msg', async () => { const e = await MongoReadStore.connect('mongodb://user:secret@127.0.0.1:1/app').catch((x) => x); console.log(e.name, e.kind, e.message); });
