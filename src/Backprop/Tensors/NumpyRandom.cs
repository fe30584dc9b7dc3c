using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Tensors;

/// <summary>
/// NumPy's legacy <c>np.random.RandomState</c>, bit for bit: MT19937, the polar Gaussian with its cached second value,
/// 53-bit doubles and masked rejection for bounded integers. <c>new NumpyRandom(0).Randn(4)</c> gives exactly
/// <c>np.random.seed(0); np.random.randn(4)</c>.
/// </summary>
/// <remarks>
/// Thread safety: as NumPy's <c>RandomState</c>, which holds a lock, every public call takes the generator's lock, so
/// calls from several threads at once never corrupt its state: each call (a whole <see cref="Randn(int[])"/> array, one
/// <see cref="NextDouble"/>) gets a contiguous run of the stream, as if the calls had been made one after another. In
/// which order is up to the threads' timing, so a shared generator's results are not reproducible: give each thread
/// its own generator (a <see cref="Training.Solver{T}"/> and a model's dropout each take one) for the same bits every run.
/// </remarks>
public sealed class NumpyRandom
{
    // Held by every public call; the private …Core methods assume it is held, so a whole array draws under one entry.
    private readonly Lock _lock = new();

    private const int N = 624, M = 397;
    private const uint MatrixA = 0x9908b0dfU, UpperMask = 0x80000000U, LowerMask = 0x7fffffffU;

    private readonly uint[] _key = new uint[N];
    private int _pos;
    private bool _hasGauss;
    private double _gauss;

    /// <summary>A generator seeded like <c>np.random.seed(seed)</c>.</summary>
    public NumpyRandom(uint seed) => Seed(seed);

    /// <summary>A generator seeded like <c>np.random.seed(seed)</c>; the seed must lie in [0, 2³²).</summary>
    public NumpyRandom(long seed) => Seed(CheckSeed(seed));

    /// <summary>Re-seeds: <c>np.random.seed(seed)</c> (also forgets a cached Gaussian).</summary>
    public void Seed(uint seed)
    {
        lock (_lock) SeedCore(seed);
    }

    private void SeedCore(uint seed)
    {
        for (int pos = 0; pos < N; pos++)
        {
            _key[pos] = seed;
            seed = 1812433253U * (seed ^ (seed >> 30)) + (uint)pos + 1;
        }
        _pos = N;
        _hasGauss = false;
        _gauss = 0;
    }

    private static uint CheckSeed(long seed) =>
        seed is < 0 or > uint.MaxValue
            ? throw new ArgumentOutOfRangeException(nameof(seed), seed, "Seed must be between 0 and 2**32 - 1 (as in NumPy).")
            : (uint)seed;

    // ---- raw streams ----------------------------------------------------------------------------------------------

    /// <summary>The next 32-bit output of MT19937.</summary>
    public uint NextUInt32()
    {
        lock (_lock) return NextUInt32Core();
    }

    private uint NextUInt32Core()
    {
        if (_pos == N) Generate();
        return Temper(_key[_pos++]);
    }

    /// <summary>The outputs MT19937 makes of 16 state words.</summary>
    internal static Vector512<uint> Temper(Vector512<uint> y)
    {
        y ^= y >> 11;
        y ^= (y << 7) & Vector512.Create(0x9d2c5680U);
        y ^= (y << 15) & Vector512.Create(0xefc60000U);
        y ^= y >> 18;
        return y;
    }

    /// <summary>The output MT19937 makes of state word <paramref name="y"/>.</summary>
    internal static uint Temper(uint y)
    {
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        y ^= y >> 18;
        return y;
    }

    private void Generate()
    {
        int i = 0;
        uint y;
        if (Vector512.IsHardwareAccelerated) i = GenerateVectors(0, N - M, M);
        for (; i < N - M; i++)
        {
            y = (_key[i] & UpperMask) | (_key[i + 1] & LowerMask);
            _key[i] = _key[i + M] ^ (y >> 1) ^ ((uint)-(int)(y & 1) & MatrixA);
        }
        if (Vector512.IsHardwareAccelerated) i = GenerateVectors(i, N - 1, M - N);
        for (; i < N - 1; i++)
        {
            y = (_key[i] & UpperMask) | (_key[i + 1] & LowerMask);
            _key[i] = _key[i + (M - N)] ^ (y >> 1) ^ ((uint)-(int)(y & 1) & MatrixA);
        }
        y = (_key[N - 1] & UpperMask) | (_key[0] & LowerMask);
        _key[N - 1] = _key[M - 1] ^ (y >> 1) ^ ((uint)-(int)(y & 1) & MatrixA);
        _pos = 0;
    }

    /// <summary>
    /// The twist 16 words at a time over [<paramref name="start"/>, <paramref name="end"/>): word i becomes word
    /// i + <paramref name="offset"/> mixed with words i and i + 1, the scalar loop's operations. Each step reads words
    /// i + 1 … i + 16 before it rewrites i … i + 15, and word i + offset is either still ahead (the first loop, offset
    /// M) or already rewritten (the second, offset M − N, at least 227 behind), as in the scalar loop; so the state is
    /// the same. Returns where the scalar loop takes over. Through pointers rather than span slices: 100,000
    /// <see cref="NextDoubles"/> 83–86 → 74–76 µs.
    /// </summary>
    private unsafe int GenerateVectors(int start, int end, int offset)
    {
        var upper = Vector512.Create(UpperMask);
        var lower = Vector512.Create(LowerMask);
        var matrixA = Vector512.Create(MatrixA);
        var one = Vector512.Create(1u);
        int i = start;
        fixed (uint* key = _key)
        {
            for (; i + 16 <= end; i += 16)
            {
                var y = (Vector512.Load(key + i) & upper) | (Vector512.Load(key + i + 1) & lower);
                var odd = Vector512.Equals(y & one, one);
                (Vector512.Load(key + i + offset) ^ (y >> 1) ^ (odd & matrixA)).Store(key + i);
            }
        }
        return i;
    }

    /// <summary>What <see cref="ForEachPair{TSink}"/> hands the draws to.</summary>
    internal unsafe interface IPairSink
    {
        /// <summary>Draws [start, start + count): their words, untempered, at words[0 .. 2·count), a then b.</summary>
        void Take(uint* words, int start, int count);

        /// <summary>Draw <paramref name="index"/> from its two tempered words (a pair that straddles a regeneration).</summary>
        void One(uint a, uint b, int index);
    }

    /// <summary>
    /// The next <paramref name="count"/> draws of <see cref="NextDouble"/>, as their word pairs: each whole run of pairs
    /// in the current state block goes to <paramref name="sink"/> in place (not yet tempered, see
    /// <see cref="Temper(uint)"/>), a pair straddling a regeneration one at a time; the stream advances past them.
    /// </summary>
    internal void ForEachPair<TSink>(int count, ref TSink sink) where TSink : struct, IPairSink
    {
        lock (_lock) ForEachPairCore(count, ref sink);
    }

    private unsafe void ForEachPairCore<TSink>(int count, ref TSink sink) where TSink : struct, IPairSink
    {
        int i = 0;
        while (i < count)
        {
            if (_pos > N - 2)
            {
                uint a = NextUInt32Core(), b = NextUInt32Core();
                sink.One(a, b, i++);
                continue;
            }
            int pairs = Math.Min((N - _pos) / 2, count - i);
            fixed (uint* key = _key) sink.Take(key + _pos, i, pairs);
            _pos += 2 * pairs;
            i += pairs;
        }
    }

    /// <summary>A double in [0, 1) with 53 random bits: <c>np.random.random_sample()</c>.</summary>
    public double NextDouble()
    {
        lock (_lock) return NextDoubleCore();
    }

    private double NextDoubleCore()
    {
        uint a = NextUInt32Core() >> 5, b = NextUInt32Core() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the values as many <see cref="NextDouble"/> calls would return, in
    /// order (<c>np.random.random_sample(n)</c>), without a call per value: whole pairs of the current state block are
    /// tempered and converted 8 at a time (<see cref="ForEachPair{TSink}"/>; with the twist vectorised too, 100,000
    /// values took ~1.3 ms one by one, 64–65 µs this way).
    /// </summary>
    public void NextDoubles(Span<double> destination)
    {
        lock (_lock) NextDoublesCore(destination);
    }

    private unsafe void NextDoublesCore(Span<double> destination)
    {
        fixed (double* d = destination)
        {
            var sink = new DoublesSink(d);
            ForEachPairCore(destination.Length, ref sink);
        }
    }

    /// <summary>Each draw as <see cref="NextDouble"/> makes it: (a ≫ 5)·2²⁶ + (b ≫ 6), times 2⁻⁵³ (exact).</summary>
    private readonly unsafe struct DoublesSink(double* values) : IPairSink
    {
        public void Take(uint* words, int start, int count)
        {
            double* v = values + start;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                // 8 pairs per step: words tempered as 32-bit lanes, then each pair read as one 64-bit lane (a low, b high).
                var scale = Vector512.Create(1.0 / 9007199254740992.0);
                var low = Vector512.Create(0xFFFFFFFFUL);
                for (; j + 8 <= count; j += 8)
                {
                    var pair = Temper(Vector512.Load(words + 2 * j)).AsUInt64();
                    var a = Vector512.ConvertToDouble((pair & low) >> 5);
                    var b = Vector512.ConvertToDouble(pair >> 38);
                    ((a * Vector512.Create(67108864.0) + b) * scale).Store(v + j);
                }
            }
            for (; j < count; j++) One(Temper(words[2 * j]), Temper(words[2 * j + 1]), start + j);
        }

        public void One(uint a, uint b, int index) => values[index] = ((a >> 5) * 67108864.0 + (b >> 6)) * (1.0 / 9007199254740992.0);
    }

    /// <summary>A standard normal value: NumPy's legacy polar method, which yields two values per accepted pair.</summary>
    public double NextGaussian()
    {
        lock (_lock) return NextGaussianCore();
    }

    private double NextGaussianCore()
    {
        if (_hasGauss)
        {
            _hasGauss = false;
            return _gauss;
        }
        double x1, x2, r2;
        do
        {
            x1 = 2.0 * NextDoubleCore() - 1.0;
            x2 = 2.0 * NextDoubleCore() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        } while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _gauss = f * x1;
        _hasGauss = true;
        return f * x2;
    }

    /// <summary>An integer in [0, max] by masked rejection (NumPy's <c>random_interval</c>, used by shuffles).</summary>
    public uint NextInterval(uint max)
    {
        lock (_lock) return NextIntervalCore(max);
    }

    private uint NextIntervalCore(uint max)
    {
        if (max == 0) return 0;
        uint mask = Mask(max);
        uint v;
        while ((v = NextUInt32Core() & mask) > max) { }
        return v;
    }

    /// <summary>An integer in [low, high): one element of <c>np.random.randint(low, high)</c>.</summary>
    public long NextInt(long low, long high)
    {
        lock (_lock) return NextIntCore(low, high);
    }

    private long NextIntCore(long low, long high)
    {
        if (high <= low) throw new ArgumentException($"randint: low ({low}) must be less than high ({high}).");
        ulong rng = (ulong)(high - low - 1);
        if (rng == 0) return low;
        if (rng > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(high), "Ranges wider than 2**32 are not supported.");
        if (rng == uint.MaxValue) return low + NextUInt32Core();
        uint mask = Mask((uint)rng);
        uint v;
        while ((v = NextUInt32Core() & mask) > rng) { }
        return low + v;
    }

    private static uint Mask(uint max)
    {
        uint mask = max;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16;
        return mask;
    }

    // ---- NumPy's array functions ----------------------------------------------------------------------------------

    /// <summary><c>np.random.randn(*shape)</c> in double precision.</summary>
    public NDArray<double> Randn(params int[] shape) => Randn<double>(shape);

    /// <summary><c>np.random.randn(*shape).astype(T)</c>: drawn in double, then converted.</summary>
    public NDArray<T> Randn<T>(params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new NDArray<T>(shape);
        var s = a.AsSpan();
        lock (_lock)
            for (int i = 0; i < s.Length; i++) s[i] = T.CreateTruncating(NextGaussianCore());
        return a;
    }

    /// <summary><c>np.random.rand(*shape)</c>: uniform in [0, 1).</summary>
    public NDArray<double> Rand(params int[] shape) => Rand<double>(shape);

    /// <summary><c>np.random.rand(*shape).astype(T)</c>.</summary>
    public NDArray<T> Rand<T>(params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new NDArray<T>(shape);
        FillUniform(a.AsSpan());
        return a;
    }

    /// <summary>Fills <paramref name="destination"/> with <c>rand</c> values (no allocation).</summary>
    public void FillUniform<T>(Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        lock (_lock) FillUniformCore(destination);
    }

    private void FillUniformCore<T>(Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            NextDoublesCore(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(destination));
            return;
        }
        Span<double> u = stackalloc double[256];
        for (int i = 0; i < destination.Length; i += u.Length)
        {
            var chunk = u[..Math.Min(u.Length, destination.Length - i)];
            NextDoublesCore(chunk);
            for (int j = 0; j < chunk.Length; j++) destination[i + j] = T.CreateTruncating(chunk[j]);
        }
    }

    /// <summary><c>np.random.uniform(low, high, size)</c>.</summary>
    public double[] Uniform(double low, double high, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var r = new double[size];
        lock (_lock)
            for (int i = 0; i < size; i++) r[i] = low + (high - low) * NextDoubleCore();
        return r;
    }

    /// <summary><c>np.random.uniform(low, high)</c>.</summary>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary><c>np.random.randint(low, high, size)</c>.</summary>
    public int[] Randint(int low, int high, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (high <= low) throw new ArgumentException($"randint: low ({low}) must be less than high ({high}).");
        var r = new int[size];
        lock (_lock)
            for (int i = 0; i < size; i++) r[i] = (int)NextIntCore(low, high);
        return r;
    }

    /// <summary><c>np.random.randint(high, size=size)</c>: integers in [0, high).</summary>
    public int[] Randint(int high, int size) => Randint(0, high, size);

    /// <summary><c>np.random.choice(n, size)</c> with replacement (the legacy generator draws it with <c>randint</c>).</summary>
    public int[] Choice(int n, int size)
    {
        if (n <= 0) throw new ArgumentException($"choice: the population must be non-empty, got {n}.", nameof(n));
        return Randint(0, n, size);
    }

    /// <summary>Fills <paramref name="destination"/> with <c>choice(n, destination.Length)</c> (no allocation).</summary>
    public void FillChoice(int n, Span<int> destination)
    {
        if (n <= 0) throw new ArgumentException($"choice: the population must be non-empty, got {n}.", nameof(n));
        lock (_lock)
            for (int i = 0; i < destination.Length; i++) destination[i] = (int)NextIntCore(0, n);
    }

    /// <summary><c>np.random.shuffle(x)</c> for a 1-D sequence (Fisher–Yates from the end, NumPy's order).</summary>
    public void Shuffle<TItem>(Span<TItem> x)
    {
        lock (_lock) ShuffleCore(x);
    }

    private void ShuffleCore<TItem>(Span<TItem> x)
    {
        for (int i = x.Length - 1; i >= 1; i--)
        {
            int j = (int)NextIntervalCore((uint)i);
            (x[i], x[j]) = (x[j], x[i]);
        }
    }

    /// <summary><c>np.random.permutation(n)</c>.</summary>
    public int[] Permutation(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        Shuffle<int>(r);
        return r;
    }

    // ---- state ----------------------------------------------------------------------------------------------------

    /// <summary>The full generator state (as <c>np.random.get_state()</c>): key, position, cached Gaussian.</summary>
    public RandomStateSnapshot GetState()
    {
        lock (_lock) return new((uint[])_key.Clone(), _pos, _hasGauss, _gauss);
    }

    /// <summary>Restores a state taken with <see cref="GetState"/>.</summary>
    public void SetState(RandomStateSnapshot state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Key.Length != N) throw new ArgumentException($"An MT19937 key has {N} words, not {state.Key.Length}.", nameof(state));
        if (state.Position is < 0 or > N) throw new ArgumentException($"Position {state.Position} is outside [0, {N}].", nameof(state));
        lock (_lock)
        {
            state.Key.CopyTo(_key, 0);
            _pos = state.Position;
            _hasGauss = state.HasGauss;
            _gauss = state.CachedGauss;
        }
    }
}

/// <summary>The state of a <see cref="NumpyRandom"/>: the 624-word MT19937 key, the position in it and the cached Gaussian.</summary>
public sealed record RandomStateSnapshot(uint[] Key, int Position, bool HasGauss, double CachedGauss);
