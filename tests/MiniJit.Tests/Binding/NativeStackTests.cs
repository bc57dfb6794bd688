using MiniJit.Binding;

namespace MiniJit.Tests.Binding;

public unsafe class NativeStackTests
{
    static nint StackPointer()
    {
        byte probe;
        return (nint)(&probe);
    }

    [Fact]
    public void Limit_lies_below_the_current_stack_position_with_room_to_spare()
    {
        var limit = NativeStack.Limit;
        var room = StackPointer() - limit;
        Assert.InRange(room, 64 * 1024, 1L << 30);
        Assert.Equal(limit, NativeStack.Limit);
    }

    [Fact]
    public void Each_thread_has_its_own_limit()
    {
        nint other = 0, otherStack = 0;
        var thread = new Thread(() =>
        {
            other = NativeStack.Limit;
            otherStack = StackPointer();
        }, maxStackSize: 1024 * 1024);
        thread.Start();
        thread.Join();
        Assert.NotEqual(NativeStack.Limit, other);
        // A 1 MiB thread: the limit sits at most that far below where the thread started — or up to 4 MiB, since
        // glibc may hand the thread a cached stack of up to four times the size asked for (one another test's
        // larger thread left behind), and the limit follows the stack the thread really has.
        Assert.InRange(otherStack - other, 1, 4 * 1024 * 1024);
    }
}
