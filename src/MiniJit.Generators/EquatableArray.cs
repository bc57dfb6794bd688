using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace MiniJit.Generators;

/// <summary>An array compared by its items: the generator's models must be equal when their contents are, so that the
/// incremental pipeline can skip work whose inputs did not change (an ImmutableArray compares by reference).</summary>
readonly struct EquatableArray<T>(T[] items) : IEquatable<EquatableArray<T>>, IEnumerable<T> where T : IEquatable<T>
{
    readonly T[]? items = items;

    T[] Items => items ?? [];

    public int Count => Items.Length;

    public bool Equals(EquatableArray<T> other) => Items.SequenceEqual(other.Items);

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode() => Items.Aggregate(17, (hash, item) => hash * 31 + (item?.GetHashCode() ?? 0));

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
