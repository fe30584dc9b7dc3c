using Backprop.Tensors;

namespace Backprop.Tests.Tensors;

/// <summary>
/// Objects shared between threads by mistake: a NumpyRandom keeps a valid stream (each call a contiguous run of it, as
/// NumPy's locked RandomState), and a Workspace refuses a thread that does not own it.
/// </summary>
public class SharedObjectTests
{
    [Fact]
    public void SharedGenerator_GivesEachCallAContiguousRunOfTheStream()
    {
        // Before, concurrent draws could leave the position past the key (every later draw threw
        // IndexOutOfRangeException) or read words beyond it through a pointer.
        const int Threads = 4, Calls = 40, Size = 700;   // 700 doubles: each call crosses a regeneration of the key
        for (int rep = 0; rep < 5; rep++)
        {
            var shared = new NumpyRandom(9);
            var barrier = new Barrier(Threads);
            var got = new double[Threads][][];
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                got[t] = new double[Calls][];
                barrier.SignalAndWait();
                for (int c = 0; c < Calls; c++)
                {
                    var a = new double[Size];
                    if (c % 2 == 0) shared.NextDoubles(a);
                    else shared.FillUniform<double>(a);
                    got[t][c] = a;
                }
            })).ToArray();
            foreach (var th in threads) th.Start();
            foreach (var th in threads) th.Join();

            // The stream alone, cut in runs of Size: every call got exactly one of them, each run went to one call.
            var stream = new double[Threads * Calls * Size];
            new NumpyRandom(9).NextDoubles(stream);
            var runs = Enumerable.Range(0, Threads * Calls).ToDictionary(r => BitConverter.DoubleToInt64Bits(stream[r * Size]), r => r);
            var taken = new bool[Threads * Calls];
            foreach (var call in got.SelectMany(c => c))
            {
                Assert.True(runs.TryGetValue(BitConverter.DoubleToInt64Bits(call[0]), out int r), "a call's first value is not the start of a run of the stream");
                Assert.False(taken[r]);
                taken[r] = true;
                Assert.Equal(stream.AsSpan(r * Size, Size).ToArray(), call);
            }
            Assert.All(taken, Assert.True);
            // The state went on from there, as after the same draws alone.
            var next = new NumpyRandom(9);
            next.NextDoubles(new double[Threads * Calls * Size]);
            Assert.Equal(next.Randn(5).AsSpan().ToArray(), shared.Randn(5).AsSpan().ToArray());
        }
    }

    [Fact]
    public void SharedGenerator_ArrayDrawsStayWhole()
    {
        // Randn, Randint and Permutation each draw under one entry of the lock: each array is one of the stream's.
        var shared = new NumpyRandom(11);
        var barrier = new Barrier(2);
        NDArray<double>[] gauss = new NDArray<double>[200];
        int[][] ints = new int[200][];
        var threads = new[]
        {
            new Thread(() => { barrier.SignalAndWait(); for (int i = 0; i < gauss.Length; i++) gauss[i] = shared.Randn(301); }),
            new Thread(() => { barrier.SignalAndWait(); for (int i = 0; i < ints.Length; i++) ints[i] = shared.Randint(1000, 300); }),
        };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        // Replay: at each point the next call was either the next Randn or the next Randint; the values say which.
        var replay = new NumpyRandom(11);
        int g = 0, n = 0;
        while (g < gauss.Length || n < ints.Length)
        {
            var state = replay.GetState();
            if (g < gauss.Length && replay.Randn(301).AsSpan().SequenceEqual(gauss[g].AsSpan())) { g++; continue; }
            replay.SetState(state);
            Assert.True(n < ints.Length, $"Randn call {g} is no run of the stream");
            Assert.Equal(ints[n++], replay.Randint(1000, 300));
        }
    }

    [Fact]
    public void Workspace_RentedFromAThreadThatDoesNotOwnIt_IsRefused()
    {
        var ws = new Workspace();
        ws.Reset();
        ws.Rent<float>(4, 4);
        Exception? e = null;
        var other = new Thread(() => e = Record.Exception(() => ws.Rent<float>(4, 4)));
        other.Start();
        other.Join();
        Assert.Contains("thread other than the one that last called Reset", Assert.IsType<InvalidOperationException>(e).Message);
        // Reset there moves it: then that thread rents, and the first is refused.
        var moved = new Thread(() => { ws.Reset(); ws.Rent<float>(4, 4); });
        moved.Start();
        moved.Join();
        Assert.Throws<InvalidOperationException>(() => ws.Rent<float>(4));
        ws.Reset();
        Assert.Equal([4], ws.Rent<float>(4).ShapeArray());
    }

    [Fact]
    public void Workspace_ANewOne_BelongsToTheFirstThreadThatRents()
    {
        var ws = new Workspace();
        var first = new Thread(() => ws.Rent<double>(3));
        first.Start();
        first.Join();
        Assert.Throws<InvalidOperationException>(() => ws.Rent<double>(3));
    }
}
