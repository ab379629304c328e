using Microsoft.Extensions.Time.Testing;
namespace Flotilla.Security.Tests;

public sealed class LoginThrottleTests
{
    private readonly FakeTimeProvider _time = Clocks.New();

    private LoginThrottle Throttle(int maxClients = 100) => new(_time, new LoginThrottleOptions
    {
        MaxFailures = 3,
        Window = TimeSpan.FromMinutes(10),
        Lockout = TimeSpan.FromMinutes(5),
        MaxLockout = TimeSpan.FromMinutes(15),
        MaxClients = maxClients,
    });

    [Fact]
    public void A_client_is_locked_out_after_the_maximum_failures_and_let_in_when_the_lockout_ends()
    {
        var throttle = Throttle();

        Assert.True(throttle.RecordFailure("192.0.2.1").Allowed);
        Assert.True(throttle.RecordFailure("192.0.2.1").Allowed);
        var third = throttle.RecordFailure("192.0.2.1");

        Assert.False(third.Allowed);
        Assert.Equal(TimeSpan.FromMinutes(5), third.RetryAfter);
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(new LoginThrottleDecision(false, TimeSpan.FromMinutes(1)), throttle.Check("192.0.2.1"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(throttle.Check("192.0.2.1").Allowed);
    }

    [Fact]
    public void Attempts_begun_before_any_ends_count_so_only_the_limit_goes_on()
    {
        var throttle = Throttle();

        var begun = Enumerable.Range(0, 20).Select(_ => throttle.TryBegin("192.0.2.1")).ToList();

        Assert.Equal(3, begun.Count(d => d.Allowed));
        Assert.Equal(TimeSpan.FromMinutes(5), begun[3].RetryAfter);
        Assert.False(throttle.Check("192.0.2.1").Allowed);
    }

    [Fact]
    public void A_begun_attempt_that_succeeds_is_not_counted()
    {
        var throttle = Throttle();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(throttle.TryBegin("c").Allowed);
            throttle.RecordSuccess("c");
        }

        Assert.True(throttle.Check("c").Allowed);
        Assert.Equal(0, throttle.TrackedClients);
    }

    [Fact]
    public void Other_clients_are_not_affected()
    {
        var throttle = Throttle();
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure("192.0.2.1");
        }

        Assert.False(throttle.Check("192.0.2.1").Allowed);
        Assert.True(throttle.Check("192.0.2.2").Allowed);
    }

    [Fact]
    public void Failures_older_than_the_window_do_not_count()
    {
        var throttle = Throttle();
        throttle.RecordFailure("c");
        throttle.RecordFailure("c");
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.True(throttle.RecordFailure("c").Allowed);
        Assert.True(throttle.RecordFailure("c").Allowed);
        Assert.False(throttle.RecordFailure("c").Allowed);
    }

    [Fact]
    public void A_success_clears_the_failures()
    {
        var throttle = Throttle();
        throttle.RecordFailure("c");
        throttle.RecordFailure("c");
        throttle.RecordSuccess("c");

        Assert.True(throttle.RecordFailure("c").Allowed);
        Assert.True(throttle.RecordFailure("c").Allowed);
    }

    [Fact]
    public void Lockouts_in_a_row_double_up_to_the_maximum()
    {
        var throttle = Throttle();
        var lockouts = new List<TimeSpan>();
        for (var round = 0; round < 4; round++)
        {
            LoginThrottleDecision decision = default;
            for (var i = 0; i < 3; i++)
            {
                decision = throttle.RecordFailure("c");
            }

            lockouts.Add(decision.RetryAfter);
            _time.Advance(decision.RetryAfter);
        }

        Assert.Equal([TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15)], lockouts);
    }

    [Fact]
    public void Failures_while_locked_out_do_not_extend_the_lockout()
    {
        var throttle = Throttle();
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure("c");
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TimeSpan.FromMinutes(3), throttle.RecordFailure("c").RetryAfter);
    }

    [Fact]
    public void A_flood_of_addresses_is_bounded_in_memory_and_locked_clients_are_kept_over_old_ones()
    {
        var throttle = Throttle(maxClients: 50);
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure("attacker");
        }

        for (var i = 0; i < 1000; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            throttle.RecordFailure("198.51.100." + i);
        }

        Assert.True(throttle.TrackedClients <= 50);
        Assert.True(throttle.Check("198.51.100.999").Allowed);
        Assert.False(throttle.Check("attacker").Allowed);
    }
}
