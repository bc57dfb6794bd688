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
        // A 1 MiB thread: the limit sits less than 1 MiB below where the thread started.
        Assert.InRange(otherStack - other, 1, 1024 * 1024);
    }
}
