/**
 * The tracer's sets of places (tracer/dishNames.ts PlaceSet: the places looked at when their next
 * call is made, those read at each call, those whose chains are read again for a member's lead) keep
 * every place put in them, whichever slot of their small table it shares: which places share one
 * depends on hashes that take in the script's name, so a place dropped for another made a dish's
 * name depend on what the file was called.
 */
import { strict as assert } from 'node:assert';
import { PlaceSet, addPlace, arm, armed, hasPlace, remember, removePlace } from '../tracer/dishNames';

/** The table's slots (PLACE_SLOTS): hashes this far apart share a slot. */
const SLOTS = 1024;

const emptySet = (): PlaceSet => ({ slots: new Int32Array(SLOTS), apart: new Set() });

describe('sets of places', () => {
  it('keep two places that share a slot, in either order', () => {
    for (const [a, b] of [
      [0x1234_5678, 0x1234_5678 + SLOTS * 7],
      [-0x0765_4322, -0x0765_4322 - SLOTS * 3],
    ]) {
      const set = emptySet();
      addPlace(set, a);
      addPlace(set, b);
      assert.ok(hasPlace(set, a) && hasPlace(set, b), `${a} and ${b} both kept`);
      assert.ok(!hasPlace(set, a + SLOTS), 'a third place of that slot is not in the set');
    }
  });

  it('keep the places that share a slot with one that leaves, and let another come to it', () => {
    const set = emptySet();
    const [a, b, c] = [0x4_0011, 0x4_0011 + SLOTS, 0x4_0011 + 2 * SLOTS];
    addPlace(set, a);
    addPlace(set, b);
    addPlace(set, c);
    removePlace(set, a);
    assert.ok(!hasPlace(set, a), 'the place that left is gone');
    assert.ok(hasPlace(set, b) && hasPlace(set, c), 'the others of its slot are kept');
    removePlace(set, c);
    assert.ok(hasPlace(set, b) && !hasPlace(set, c), 'one kept beside the table leaves alone');
    addPlace(set, a);
    assert.ok(hasPlace(set, a) && hasPlace(set, b), 'a place comes back to the slot');
    removePlace(set, b);
    removePlace(set, a);
    assert.ok(!hasPlace(set, a) && !hasPlace(set, b), 'and the set is empty again');
    assert.equal(set.apart.size, 0);
  });

  it('drop nothing when a place leaves that is not there, even one of an occupied slot', () => {
    const set = emptySet();
    const a = 0x77_0003;
    addPlace(set, a);
    removePlace(set, a + SLOTS);
    assert.ok(hasPlace(set, a), "another place's leaving does not empty its slot");
  });

  it('keep every one of many places crowding the table, up to the bound kept beside it', () => {
    const set = emptySet();
    const places = Array.from({ length: 3000 }, (_, i) => Math.imul(i + 1, 0x9e37_79b1) | 0);
    for (const p of places) addPlace(set, p);
    assert.deepEqual(
      places.filter((p) => !hasPlace(set, p)),
      [],
      'every place is found',
    );
    assert.ok(set.apart.size > 0, 'some shared a slot (else the test tries nothing)');
  });

  it("leave the places looked at as they were when a dish's place is named (its key is no root place's)", () => {
    // remember(key) emptied the slot of the dish's key in the table of places armed: another
    // place's, and one whose every call is looked at (severalRoots) was never armed again.
    const root = 0x5_1235;
    arm(root);
    remember(root + 9 * SLOTS, 'resize');
    assert.ok(hasPlace(armed, root), 'the root place is still armed');
  });
});
