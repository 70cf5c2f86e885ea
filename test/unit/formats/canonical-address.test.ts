// An address in the kernel's one spelling, so a plan's and the kernel's compare as text.
import { strict as assert } from 'node:assert';
import { canonicalAddress, sameAddress } from '../../../lvs/address';

describe('canonicalAddress: the kernel\'s spelling of an address', () => {
  it('writes IPv6 as inet_ntop does: lower case, the longest zero run as ::', () => {
    assert.equal(canonicalAddress('2001:DB8:0::11'), '2001:db8::11');
    assert.equal(canonicalAddress('2001:0db8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1');
    assert.equal(canonicalAddress('0:0:0:0:0:0:0:0'), '::');
  });

  it('keeps an IPv4-mapped tail dotted, as the kernel\'s readers write it (::ffff:10.0.0.12, not ::ffff:a00:c)', () => {
    assert.equal(canonicalAddress('::FFFF:10.0.0.12'), '::ffff:10.0.0.12');
    assert.equal(canonicalAddress('::ffff:a00:c'), '::ffff:10.0.0.12');
    assert.ok(sameAddress('::ffff:10.0.0.12', '0:0:0:0:0:ffff:a00:c'));
  });

  it('leaves IPv4 as it is', () => {
    assert.equal(canonicalAddress('10.0.0.12'), '10.0.0.12');
  });
});
