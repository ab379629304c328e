using Flotilla.Inventory;

namespace Flotilla.Execution.Tests;

public sealed class OptionTests
{
    [Theory]
    [InlineData("2", 10, 2)]
    [InlineData("25%", 10, 2)]
    [InlineData("10%", 5, 1)]
    [InlineData("100%", 7, 7)]
    public void A_batch_size_is_a_number_or_a_percentage_of_the_group_rounded_down_but_at_least_one(string text, int group, int expected)
    {
        Assert.True(BatchSize.TryParse(text, out var size));
        Assert.Equal(expected, size.For(group));
        Assert.Equal(text, size.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("150%")]
    [InlineData("two")]
    [InlineData("%")]
    [InlineData(null)]
    public void Anything_else_is_not_a_batch_size(string? text)
    {
        Assert.False(BatchSize.TryParse(text, out _));
    }

    [Theory]
    [InlineData(DeployStrategy.Rolling, "switch", null, false)]
    [InlineData(DeployStrategy.BlueGreen, "test", "switch", false)]
    [InlineData(DeployStrategy.Recreate, "boot", null, true)]
    public void Each_deploy_strategy_names_its_activation_goals(DeployStrategy strategy, string goal, string? promote, bool reboot)
    {
        Assert.Equal(new StrategyActivation(goal, promote, reboot), StrategyActivation.For(strategy));
    }
}
