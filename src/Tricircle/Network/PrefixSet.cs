using System.Numerics;

namespace Tricircle.Network;

/// <summary>
/// A set of addresses of one IP version as sorted, disjoint ranges: what netaddr's IPSet is to
/// Neutron's subnet pools (compacted prefixes, the space left after allocations, overlap checks).
/// </summary>
internal sealed class PrefixSet
{
    private readonly List<(BigInteger First, BigInteger Last)> _ranges;

    private PrefixSet(List<(BigInteger First, BigInteger Last)> ranges) => _ranges = ranges;

    public static PrefixSet Of(IEnumerable<IpCidr> cidrs)
    {
        var merged = new List<(BigInteger First, BigInteger Last)>();
        foreach (var (first, last) in cidrs.Select(c => (c.Network, c.Last)).OrderBy(r => r.Network))
        {
            if (merged.Count > 0 && first <= merged[^1].Last + 1)
            {
                merged[^1] = (merged[^1].First, BigInteger.Max(merged[^1].Last, last));
            }
            else
            {
                merged.Add((first, last));
            }
        }

        return new PrefixSet(merged);
    }

    public bool IsEmpty => _ranges.Count == 0;

    public PrefixSet Minus(PrefixSet other)
    {
        var result = new List<(BigInteger, BigInteger)>();
        foreach (var (first, last) in _ranges)
        {
            var start = first;
            foreach (var (oFirst, oLast) in other._ranges.Where(o => o.Last >= first && o.First <= last))
            {
                if (oFirst > start)
                {
                    result.Add((start, oFirst - 1));
                }

                start = BigInteger.Max(start, oLast + 1);
            }

            if (start <= last)
            {
                result.Add((start, last));
            }
        }

        return new PrefixSet(result);
    }

    public bool Overlaps(PrefixSet other) => _ranges.Any(r => other._ranges.Any(o => o.First <= r.Last && r.First <= o.Last));

    public bool Contains(IpCidr cidr) => _ranges.Any(r => r.First <= cidr.Network && cidr.Last <= r.Last);

    public bool ContainsAll(PrefixSet other) => other._ranges.All(o => _ranges.Any(r => r.First <= o.First && o.Last <= r.Last));

    /// <summary>The fewest CIDRs covering the set, in address order (netaddr's <c>iter_cidrs</c> of a compacted set).</summary>
    public List<IpCidr> Cidrs(int version)
    {
        var bits = version == 4 ? 32 : 128;
        var result = new List<IpCidr>();
        foreach (var (first, last) in _ranges)
        {
            var start = first;
            while (start <= last)
            {
                // The largest block aligned at start that stays within the range.
                var size = 0;
                while (size < bits && (start & ((BigInteger.One << (size + 1)) - 1)) == 0 && start + (BigInteger.One << (size + 1)) - 1 <= last)
                {
                    size++;
                }

                result.Add(new IpCidr(start, bits - size, version));
                start += BigInteger.One << size;
            }
        }

        return result;
    }
}
