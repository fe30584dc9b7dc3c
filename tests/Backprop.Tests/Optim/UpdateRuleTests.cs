using Backprop.Tests.Kernels;
using Backprop.Kernels;
using Backprop.Optim;
using Backprop.Tensors;
using static Backprop.Checks.GradientCheck;

namespace Backprop.Tests.Optim;

/// <summary>The update-rule checks of the notebooks (seeds 000, 003, 004), with their expected arrays.</summary>
[Collection(KernelCollection.Name)]   // sets UpdateRule<T>.MinTiledBytes, a process-wide threshold
public class UpdateRuleTests
{
    private const int N = 4, D = 5;
    private static NDArray<double> W() => NDArray<double>.Linspace(-0.4, 0.6, N * D).Reshape(N, D);
    private static NDArray<double> Dw() => NDArray<double>.Linspace(-0.6, 0.4, N * D).Reshape(N, D);
    private static NDArray<double> Lin(double a, double b) => NDArray<double>.Linspace(a, b, N * D).Reshape(N, D);

    private static readonly NDArray<double> ExpectedVelocity = NDArray<double>.FromRows([
        [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
        [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
        [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
        [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]]);

    [Fact]
    public void SgdMomentum_MatchesNotebook()
    {
        var w = W();
        var rule = new SgdMomentum<double>(learningRate: 1e-3);
        rule.SetState("velocity", Lin(0.6, 0.9));
        rule.Step(w, Dw());
        var expectedNextW = NDArray<double>.FromRows([
            [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
            [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
            [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
            [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]]);
        Notebook.AssertError(8.882347033505819e-09, RelError(w, expectedNextW), "next_w error");          // seeds 000, 003, 004
        Notebook.AssertError(4.269287743278663e-09, RelError(ExpectedVelocity, rule.State["velocity"]), "velocity error");
    }

    [Fact]
    public void SgdNesterovMomentum_MatchesNotebook()
    {
        var w = W();
        var rule = new SgdNesterovMomentum<double>(learningRate: 1e-3);
        rule.SetState("velocity", Lin(0.6, 0.9));
        rule.Step(w, Dw());
        var expectedNextW = NDArray<double>.FromRows([
            [0.08714, 0.15246105, 0.21778211, 0.28310316, 0.34842421],
            [0.41374526, 0.47906632, 0.54438737, 0.60970842, 0.67502947],
            [0.74035053, 0.80567158, 0.87099263, 0.93631368, 1.00163474],
            [1.06695579, 1.13227684, 1.19759789, 1.26291895, 1.32824]]);
        Notebook.AssertError(1.0875186845081027e-08, RelError(w, expectedNextW), "next_w error");          // seed 004
        Notebook.AssertError(4.269287743278663e-09, RelError(ExpectedVelocity, rule.State["velocity"]), "velocity error");
    }

    [Fact]
    public void RmsProp_MatchesNotebook()
    {
        var w = W();
        var rule = new RmsProp<double>(learningRate: 1e-2);
        rule.SetState("cache", Lin(0.6, 0.9));          // seed 004 calls this state 'a'
        rule.Step(w, Dw());
        var expectedNextW = RmsPropExpectedNextW;
        var expectedCache = NDArray<double>.FromRows([
            [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
            [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
            [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
            [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]]);
        Notebook.AssertError(9.524687511038133e-08, RelError(expectedNextW, w), "next_w error");          // seeds 003 and 004
        Notebook.AssertError(9.50264522989e-08, RelError(expectedNextW, w), "next_w error");              // seed 000 (0.23% apart: below)
        Notebook.AssertError(2.6477955807156126e-09, RelError(expectedCache, rule.State["cache"]), "cache error");   // seeds 000, 003, 004
        Assert.InRange(RelError(expectedNextW, w), 0, 1e-7);   // "errors less than 1e-7"
    }

    [Fact]
    public void RmsProp_Seed000sNumber_IsEpsInsideTheRoot()
    {
        // The update element by element; seed 000's 9.50264522989e-08 fits ε inside the square root, dw / √(cache + ε),
        // where the course (and ours, and seeds 003/004's 9.524687511038133e-08) has dw / (√cache + ε).
        const double lr = 1e-2, decay = 0.99, eps = 1e-8;
        var (w, dw, cache0) = (W(), Dw(), Lin(0.6, 0.9));
        NDArray<double> NextW(Func<double, double, double> step)
        {
            var next = w.Copy();
            for (int i = 0; i < next.Size; i++)
            {
                double g = dw.Flat(i), cache = decay * cache0.Flat(i) + (1 - decay) * (g * g);
                next.Flat(i) -= lr * step(g, cache);
            }
            return next;
        }
        var ours = W();
        var rule = new RmsProp<double>(learningRate: lr);
        rule.SetState("cache", cache0.Copy());
        rule.Step(ours, dw);
        Assert.Equal(NextW((g, cache) => g / (Math.Sqrt(cache) + eps)).AsSpan(), ours.AsSpan());
        Assert.Equal(9.524687511038133e-08, RelError(RmsPropExpectedNextW, ours));
        Assert.Equal(9.50264522989e-08, RelError(RmsPropExpectedNextW, NextW((g, cache) => g / Math.Sqrt(cache + eps))), tolerance: 1e-19);   // the 12 digits printed
    }

    private static readonly NDArray<double> RmsPropExpectedNextW = NDArray<double>.FromRows([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]]);

    public static TheoryData<string, double> RulesAndRegs()
    {
        var data = new TheoryData<string, double>();
        foreach (var name in UpdateRules.Names)
            foreach (double reg in new[] { 0.0, 0.3 }) data.Add(name, reg);
        return data;
    }

    [Theory, MemberData(nameof(RulesAndRegs))]
    public void TiledStep_IsStep_BitForBit(string rule, double reg)
    {
        // dW = Xᵀ·dout as the affine layer computes it, handed tile by tile to the update instead of stored.
        const int n = 20, d = 70, m = 45;
        var rng = new NumpyRandom(3);
        var x = rng.Randn<float>(n, d);
        var dout = rng.Randn<float>(n, m);
        var w0 = rng.Randn<float>(d, m);
        var config = new Dictionary<string, double> { ["learning_rate"] = 1e-2 };
        var (whole, tiled) = (UpdateRules.Create<float>(rule, config), UpdateRules.Create<float>(rule, config));
        var (wWhole, wTiled) = (w0.Copy(), w0.Copy());
        Assert.Null(tiled.BeginTiledStep(wTiled, 0f));   // 12 KB: below the size worth fusing, declined
        Assert.Empty(tiled.State);
        if (tiled is Adam<float> adam) Assert.Equal(0, adam.TimeStep);
        long saved = UpdateRule<float>.MinTiledBytes;
        UpdateRule<float>.MinTiledBytes = 0;
        try
        {
            for (int step = 0; step < 3; step++)
            {
                var dw = new NDArray<float>(d, m);
                Gemm.Multiply<float>(x.AsSpan(), dout.AsSpan(), dw.AsSpan(), d, m, n, transA: true);
                Elementwise.AddScaled<float>(wWhole.AsSpan(), (float)reg, dw.AsSpan());
                whole.Step(wWhole, dw);
                var sink = tiled.BeginTiledStep(wTiled, (float)reg);
                Assert.NotNull(sink);
                Gemm.MultiplyToSink<float>(x.AsSpan(), dout.AsSpan(), new float[d * m], d, m, n, true, false, sink);
            }
        }
        finally
        {
            UpdateRule<float>.MinTiledBytes = saved;
        }
        if (tiled is Adam<float> a) Assert.Equal(3, a.TimeStep);
        Assert.Equal(wWhole.AsSpan(), wTiled.AsSpan());
        Assert.Equal(tiled.StateNames, tiled.State.Keys);
        foreach (var name in tiled.StateNames) Assert.Equal(whole.State[name].AsSpan(), tiled.State[name].AsSpan());
        Assert.NotEqual(w0.AsSpan().ToArray(), wTiled.AsSpan().ToArray());
    }

    [Fact]
    public void TiledStep_NeedsAMatrix()
    {
        foreach (var name in UpdateRules.Names)
            Assert.Contains($"{name}: a tiled step needs a matrix, got shape (5,)",
                Assert.Throws<ArgumentException>(() => UpdateRules.Create<double>(name, new Dictionary<string, double>()).BeginTiledStep(new NDArray<double>(5), 0.0)).Message);
    }

    [Fact]
    public void Adam_MatchesNotebook()
    {
        var w = W();
        var rule = new Adam<double>(learningRate: 1e-2) { TimeStep = 5 };
        rule.SetState("m", Lin(0.6, 0.9));              // seed 004: 'v' (first moment)
        rule.SetState("v", Lin(0.7, 0.5));              // seed 004: 'a' (second moment)
        rule.Step(w, Dw());
        var expectedV = NDArray<double>.FromRows([
            [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
            [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
            [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
            [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]]);
        var expectedM = NDArray<double>.FromRows([
            [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
            [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
            [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
            [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]]);
        // "Around 1e-7 or less": seed 003 prints 1.1395691798535431e-07, seed 004 1.1402387769253723e-07 (0.06% apart:
        // see Adam_TheNotebooksOtherNumbers_AreVariantsOfTheFormula); seed 000's 0.207 is a student's bug.
        Notebook.AssertError(1.1395691798535431e-07, RelError(AdamExpectedNextW, w), "next_w error");
        Notebook.AssertError(1.1402387769253723e-07, RelError(AdamExpectedNextW, w), "next_w error");
        Notebook.AssertError(4.208314038113071e-09, RelError(expectedV, rule.State["v"]), "v error");   // seed 004: 'a'
        Notebook.AssertError(4.214963193114416e-09, RelError(expectedM, rule.State["m"]), "m error");   // seed 004: 'v'
        Assert.Equal(6, rule.TimeStep);
    }

    private static readonly NDArray<double> AdamExpectedNextW = NDArray<double>.FromRows([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]]);

    [Fact]
    public void Adam_TheNotebooksOtherNumbers_AreVariantsOfTheFormula()
    {
        // The 2019 update with t = 5 going in, element by element, and the students' variants that the other numbers fit.
        const double lr = 1e-2, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        var (w, dw, v0, m0) = (W(), Dw(), Lin(0.7, 0.5), Lin(0.6, 0.9));
        NDArray<double> NextW(Func<double, double, int, double> step, int t = 6)
        {
            var next = w.Copy();
            for (int i = 0; i < next.Size; i++)
            {
                double g = dw.Flat(i), m = beta1 * m0.Flat(i) + (1 - beta1) * g, v = beta2 * v0.Flat(i) + (1 - beta2) * (g * g);
                next.Flat(i) -= step(m, v, t);
            }
            return next;
        }
        double Bias(double m, int t) => m / (1 - Math.Pow(beta1, t));
        double VBias(double v, int t) => v / (1 - Math.Pow(beta2, t));

        Assert.Equal(1.1395691798535431e-07, RelError(AdamExpectedNextW, NextW((m, v, t) => lr * Bias(m, t) / (Math.Sqrt(VBias(v, t)) + eps))));   // seed 003
        // Seed 000's 0.207207036686: no bias correction at all. (Not incrementing t first would give 1.52e-03.)
        Assert.Equal(0.207207036686, RelError(AdamExpectedNextW, NextW((m, v, _) => lr * m / (Math.Sqrt(v) + eps))), 12);
        Assert.Equal(1.52e-03, RelError(AdamExpectedNextW, NextW((m, v, t) => lr * Bias(m, t) / (Math.Sqrt(VBias(v, t)) + eps), t: 5)), 5);
        // Seed 004's 1.1402387769253723e-07: ε subtracted instead of added.
        Assert.Equal(1.1402387769253723e-07, RelError(AdamExpectedNextW, NextW((m, v, t) => lr * Bias(m, t) / (Math.Sqrt(VBias(v, t)) - eps))));
    }

    [Fact]
    public void AdaGrad_AccumulatesSquaredGradients()
    {
        var w = NDArray<double>.Vector(1.0, -2.0);
        var rule = new AdaGrad<double>(learningRate: 0.5);
        rule.Step(w, NDArray<double>.Vector(2.0, -4.0));
        Assert.Equal(NDArray<double>.Vector(4.0, 16.0).AsSpan(), rule.State["cache"].AsSpan());
        Assert.Equal(1.0 - 0.5 * 2 / (2 + 1e-8), w[0], 15);
        rule.Step(w, NDArray<double>.Vector(2.0, 0.0));
        Assert.Equal(8.0, rule.State["cache"][0]);
    }

    [Fact]
    public void Sgd_StepsAgainstTheGradient()
    {
        var w = NDArray<float>.Vector(1f, 2f);
        new Sgd<float>(0.1).Step(w, NDArray<float>.Vector(10f, -10f));
        Assert.Equal([0f, 3f], w.AsSpan());
    }

    [Fact]
    public void VectorAndScalarPaths_Agree_OnOddLengths()
    {
        foreach (var rule in UpdateRules.Names)
        {
            var rng = new NumpyRandom(3);
            var w = rng.Randn(37);
            var dw = rng.Randn(37);
            var a = UpdateRules.Create<double>(rule);
            var reference = w.Copy();
            for (int step = 0; step < 3; step++) a.Step(w, dw);
            // Element 36 runs through the scalar tail, element 0 through the vector body: compare each to a 1-element run.
            foreach (int i in new[] { 0, 36 })
            {
                var wi = NDArray<double>.Vector(reference[i]);
                var b = UpdateRules.Create<double>(rule);
                for (int step = 0; step < 3; step++) b.Step(wi, NDArray<double>.Vector(dw[i]));
                Assert.Equal(wi[0], w[i], 14);
            }
        }
    }

    [Fact]
    public void Factory_RejectsUnknownRulesAndOptions()
    {
        Assert.Contains("Unknown update rule 'adamw'", Assert.Throws<ArgumentException>(() => UpdateRules.Create<float>("adamw")).Message);
        var e = Assert.Throws<ArgumentException>(() => UpdateRules.Create<float>("sgd_momentum", new Dictionary<string, double> { ["momentm"] = 0.9 }));
        Assert.Contains("'momentm'", e.Message);
        Assert.Contains("learning_rate, momentum", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => UpdateRules.Create<float>("sgd", new Dictionary<string, double> { ["learning_rate"] = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => UpdateRules.Create<float>("sgd_momentum", new Dictionary<string, double> { ["momentum"] = 1.0 }));
        Assert.Contains("keeps no state named 'a'", Assert.Throws<ArgumentException>(() => new Adam<double>().SetState("a", new NDArray<double>(1))).Message);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    public void AnEpsilonThatIs0InFloat32_IsRefused_NotA0Over0(string rule)
    {
        // 1e-50 is positive as a double but 0 as a float: where a gradient is exactly 0 (a dead ReLU unit's weights)
        // the step was 0 / (√0 + 0) = NaN, and the run "diverged" with advice about its learning rate.
        var eps = new Dictionary<string, double> { ["epsilon"] = 1e-50 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => UpdateRules.Create<float>(rule, eps));
        Assert.Equal($"{rule}: epsilon 1E-50 is 0 in float32 (its smallest positive value is 1.4E-45). (Parameter 'epsilon')", e.Message.Split('\n')[0]);
        // In float64 it is a number: a zero gradient leaves its parameter as it is.
        var w = NDArray<double>.Ones(3);
        var dw = new NDArray<double>(3);
        dw[1] = 1e-3;
        UpdateRules.Create<double>(rule, eps).Step(w, dw);
        Assert.Equal([1.0, 1.0], new[] { w[0], w[2] });
        // A subnormal float epsilon is still positive there, and kept.
        var sub = UpdateRules.Create<float>(rule, new Dictionary<string, double> { ["epsilon"] = 1e-44 });
        var wf = NDArray<float>.Ones(2);
        sub.Step(wf, new NDArray<float>(2));
        Assert.Equal([1f, 1f], wf.AsSpan().ToArray());
    }

    [Fact]
    public void ALearningRateThatIs0OrInfiniteInFloat32_IsRefused()
    {
        // 1e-50 would be a run that never moves its weights (learning rate 0 is refused); 1e39 an infinite step.
        var tiny = Assert.Throws<ArgumentOutOfRangeException>(() => UpdateRules.Create<float>("sgd", new Dictionary<string, double> { ["learning_rate"] = 1e-50 }));
        Assert.StartsWith("sgd: the learning rate 1E-50 is 0 in float32 (its smallest positive value is 1.4E-45).", tiny.Message);
        var huge = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(learningRate: 1e39));
        Assert.StartsWith("adam: the learning rate 1E+39 is infinite in float32 (its largest value is 3.4E+38).", huge.Message);
        Assert.Equal(1e-50, new Sgd<double>(1e-50).LearningRate);
    }

    [Fact]
    public void SetState_NamesANullName()
    {
        // It said "keeps no state named ''", as if an empty name had been given.
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => new Adam<double>().SetState(null!, new NDArray<double>(2))).ParamName);
    }

    [Theory]
    [InlineData(0)]                 // the separate pass
    [InlineData(1)]                 // the step fused into the product (any size tiled)
    public void AWrongShapedState_IsRefused_BeforeAnyStateIsMade(long minTiledBytes)
    {
        long saved = UpdateRule<double>.MinTiledBytes;
        UpdateRule<double>.MinTiledBytes = minTiledBytes == 0 ? long.MaxValue : minTiledBytes;
        try
        {
            var rule = new Adam<double>();
            rule.SetState("v", new NDArray<double>(3, 2));   // m is missing, v has another shape
            var w = new NDArray<double>(2, 3);
            var e = Assert.Throws<InvalidOperationException>(() =>
            {
                if (minTiledBytes == 0) rule.Step(w, new NDArray<double>(2, 3));
                else rule.BeginTiledStep(w, 0.0);
            });
            Assert.Contains("state 'v' has shape (3, 2) but the parameter has (2, 3)", e.Message);
            // A zero m was left behind before, as if one step had begun.
            Assert.Equal(["v"], rule.State.Keys);
            Assert.Equal(0, rule.TimeStep);
        }
        finally
        {
            UpdateRule<double>.MinTiledBytes = saved;
        }
    }
}
