using Flotilla.Execution.Internal;

namespace Flotilla.Execution.Tests;

/// <summary>The watchdog's words for how an activation ended are read into a typed outcome and said back the same.</summary>
public sealed class WatchdogOutcomeTests
{
    [Theory]
    [InlineData("confirmed", nameof(WatchdogOutcome.Confirmed))]
    [InlineData("rolled-back", nameof(WatchdogOutcome.RolledBack))]
    [InlineData("rollback-failed", nameof(WatchdogOutcome.RollbackFailed))]
    [InlineData("failed", nameof(WatchdogOutcome.Failed))]
    [InlineData("pending", nameof(WatchdogOutcome.Pending))]
    [InlineData("died", nameof(WatchdogOutcome.Died))]
    [InlineData("superseded", nameof(WatchdogOutcome.Superseded))]
    [InlineData("unknown", nameof(WatchdogOutcome.Unknown))]
    public void Each_word_the_watchdog_writes_reads_as_its_outcome_and_back(string word, string member)
    {
        var outcome = Enum.Parse<WatchdogOutcome>(member);
        Assert.Equal(outcome, WatchdogOutcomes.Parse(word));
        Assert.Equal(word, outcome.ToName());
    }

    [Fact]
    public void Every_outcome_has_a_word_and_a_word_nobody_writes_is_unknown()
    {
        Assert.All(Enum.GetValues<WatchdogOutcome>(), o => Assert.Equal(o, WatchdogOutcomes.Parse(o.ToName())));
        Assert.Equal(WatchdogOutcome.Unknown, WatchdogOutcomes.Parse("exploded"));
    }
}
