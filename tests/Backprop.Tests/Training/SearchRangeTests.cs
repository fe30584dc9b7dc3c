using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary><see cref="SearchRange.Unreachable"/>: the check a search makes before its first draw, and a resume of its file.</summary>
public class SearchRangeTests
{
    [Fact]
    public void Unreachable_NamesARangeWhoseEndIsRefused_ThenACornerOfSeveral_ElseNull()
    {
        var config = TrainConfig.DefaultFor("cifar10") with { LrDecay = 0.5 };
        var lr = SearchRange.Parse("learning_rate", "1e-4:1e-2:log");
        Assert.Null(SearchRange.Unreachable(config, [lr]));

        // One end alone: keep 1.2 is no probability.
        var dropout = SearchRange.Parse("dropout", "0.5:1.2");
        var alone = SearchRange.Unreachable(config, [lr, dropout]);
        Assert.NotNull(alone);
        Assert.Same(dropout, alone.Value.Alone);
        Assert.Equal("dropout", alone.Value.Why.Key);

        // Each end fine alone on this config, refused together: lr_decay 0.5 over 1500 epochs takes the rate to 0.
        var epochs = SearchRange.Parse("epochs", "10:1500");
        var decay = SearchRange.Parse("lr_decay", "0.5:0.99");
        var fine = config with { LrDecay = 0.99 };
        Assert.Null(SearchRange.Unreachable(fine, [epochs]));
        Assert.Null(SearchRange.Unreachable(fine, [decay]));
        var corner = SearchRange.Unreachable(fine, [decay, epochs]);
        Assert.NotNull(corner);
        Assert.Null(corner.Value.Alone);
        Assert.Contains("over 1500 epochs takes the learning rate", corner.Value.Why.Problem);
    }
}
