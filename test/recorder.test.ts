import { strict as assert } from 'node:assert';
import { CHUNK_UNITS, Recorder } from '../tracer/recorder';

describe("the tracer's recorder", () => {
  it('counts a dropped pair of records (an idle and its run) as two lost events', () => {
    // Room for two chunks, nobody taking them: the third chunk's worth is dropped.
    const recorder = new Recorder(2 * CHUNK_UNITS * 16, () => 0);
    let written = 0;
    while (recorder.room(1) !== null) {
      recorder.w.run(1, 1, 0);
      written++;
    }
    assert.equal(recorder.totalDropped, 1);
    assert.equal(recorder.room(2, 2), null);
    assert.equal(recorder.totalDropped, 3, 'the pair counts as two events');
    assert.ok(written > CHUNK_UNITS, `${written} written before the loss`);
  });
});
