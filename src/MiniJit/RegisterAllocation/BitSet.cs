using System.Numerics;

namespace MiniJit.RegisterAllocation;

/// <summary>
/// A set of small integers (virtual register numbers) as 64-bit words. The dataflow operations work a word at a time
/// and report whether anything changed; enumeration visits only the members, which is what keeps interval building
/// proportional to what is live rather than to blocks × values.
/// </summary>
public sealed class BitSet(int capacity)
{
    readonly ulong[] words = new ulong[(capacity + 63) / 64];

    public bool this[int value] => (words[value >> 6] & (1UL << value)) != 0;

    public void Add(int value) => words[value >> 6] |= 1UL << value;
    public void Remove(int value) => words[value >> 6] &= ~(1UL << value);

    public void CopyFrom(BitSet other) => other.words.CopyTo(words, 0);

    /// <summary>this ∪= other; true when this grew.</summary>
    public bool UnionWith(BitSet other)
    {
        ulong grew = 0;
        for (int i = 0; i < words.Length; i++)
        {
            ulong before = words[i];
            words[i] = before | other.words[i];
            grew |= words[i] ^ before;
        }
        return grew != 0;
    }

    /// <summary>this ∪= (a − b); true when this grew.</summary>
    public bool UnionWithDifference(BitSet a, BitSet b)
    {
        ulong grew = 0;
        for (int i = 0; i < words.Length; i++)
        {
            ulong before = words[i];
            words[i] = before | (a.words[i] & ~b.words[i]);
            grew |= words[i] ^ before;
        }
        return grew != 0;
    }

    public Enumerator GetEnumerator() => new(words);

    /// <summary>Visits the members in increasing order, skipping empty words.</summary>
    public struct Enumerator(ulong[] words)
    {
        int word = -1;
        ulong remaining;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            while (remaining == 0)
            {
                if (++word >= words.Length) return false;
                remaining = words[word];
            }
            Current = word * 64 + BitOperations.TrailingZeroCount(remaining);
            remaining &= remaining - 1;
            return true;
        }
    }
}
