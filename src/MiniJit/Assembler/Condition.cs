namespace MiniJit.Assembler;

/// <summary>An x86 condition code. The numeric value is the 4-bit "tttn" nibble that the
/// encodings of jcc (0x70+cc, 0x0F 0x80+cc), setcc (0x0F 0x90+cc) and cmovcc (0x0F 0x40+cc) add to
/// their base opcode.</summary>
public enum Condition : byte
{
    /// <summary>Overflow (OF=1).</summary>
    O = 0,
    /// <summary>No overflow (OF=0).</summary>
    NO = 1,
    /// <summary>Below, unsigned &lt; (CF=1). Also "carry".</summary>
    B = 2,
    /// <summary>Above or equal, unsigned &gt;= (CF=0). Also "no carry".</summary>
    AE = 3,
    /// <summary>Equal / zero (ZF=1).</summary>
    E = 4,
    /// <summary>Not equal / not zero (ZF=0).</summary>
    NE = 5,
    /// <summary>Below or equal, unsigned &lt;= (CF=1 or ZF=1).</summary>
    BE = 6,
    /// <summary>Above, unsigned &gt; (CF=0 and ZF=0).</summary>
    A = 7,
    /// <summary>Sign (SF=1).</summary>
    S = 8,
    /// <summary>No sign (SF=0).</summary>
    NS = 9,
    /// <summary>Parity even (PF=1); after ucomisd: unordered.</summary>
    P = 10,
    /// <summary>Parity odd (PF=0); after ucomisd: ordered.</summary>
    NP = 11,
    /// <summary>Less, signed &lt; (SF≠OF).</summary>
    L = 12,
    /// <summary>Greater or equal, signed &gt;= (SF=OF).</summary>
    GE = 13,
    /// <summary>Less or equal, signed &lt;= (ZF=1 or SF≠OF).</summary>
    LE = 14,
    /// <summary>Greater, signed &gt; (ZF=0 and SF=OF).</summary>
    G = 15,
}

public static class ConditionExtensions
{
    /// <summary>The opposite condition. x86 pairs each condition with its negation in the lowest bit
    /// of the nibble (E=4 / NE=5, L=12 / GE=13, ...), so negation is flipping that bit.</summary>
    public static Condition Negate(this Condition condition) => (Condition)((int)condition ^ 1);

    /// <summary>The condition that holds after swapping the operands of the compare
    /// (a &lt; b ⇔ b &gt; a). Equality, sign, overflow and parity conditions are unchanged.</summary>
    public static Condition Swap(this Condition condition) => condition switch
    {
        Condition.B => Condition.A,
        Condition.A => Condition.B,
        Condition.AE => Condition.BE,
        Condition.BE => Condition.AE,
        Condition.L => Condition.G,
        Condition.G => Condition.L,
        Condition.GE => Condition.LE,
        Condition.LE => Condition.GE,
        _ => condition,
    };
}
