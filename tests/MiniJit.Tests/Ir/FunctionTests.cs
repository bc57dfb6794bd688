using MiniJit.Ir;

namespace MiniJit.Tests.Ir;

public class FunctionTests
{
    const string Diamond = """
        function T.F(i32) -> i32 {
        b0:
          v0:i32 = param 0
          branch v0, b1, b2
        b1:
          jump b3
        b2:
          jump b3
        b3:
          return v0
        }
        """;

    [Theory]
    [InlineData("b1:\n  jump b3", false)]          // the diamond: two paths meet, no cycle
    [InlineData("b1:\n  jump b1", true)]           // a block that jumps to itself
    [InlineData("b1:\n  branch v0, b3, b0", true)] // back to the entry
    public void HasLoop_finds_a_cycle_reachable_from_the_entry(string replacedBy, bool hasLoop)
    {
        Assert.Equal(hasLoop, IrParser.Parse(Diamond.Replace("b1:\n  jump b3", replacedBy)).HasLoop());
    }

    [Fact]
    public void A_cycle_no_path_reaches_is_no_loop()
    {
        var function = IrParser.Parse(Diamond.Replace("b3:\n  return v0", "b3:\n  return v0\nb4:\n  jump b5\nb5:\n  jump b4"));
        Assert.False(function.HasLoop());
    }
}
