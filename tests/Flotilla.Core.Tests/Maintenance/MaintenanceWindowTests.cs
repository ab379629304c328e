using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Flotilla.Maintenance;

namespace Flotilla.Tests.Maintenance;

public sealed class MaintenanceWindowTests
{
    private static MaintenanceWindow Window(string text)
    {
        Assert.True(MaintenanceWindow.TryParse(text, out var window, out var error), error);
        return window!;
    }

    /// <summary>A clock stopped at <paramref name="instant"/> (UTC).</summary>
    private static FakeTimeProvider At(string instant) => new(Utc(instant));

    private static DateTimeOffset Utc(string instant) => DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [Fact]
    public void A_window_is_open_between_its_start_and_end_on_its_days()
    {
        var window = Window("mon-fri 02:00-05:00");

        // 2026-11-23 is a Monday.
        var open = window.StateAt(At("2026-11-23T03:00:00Z"));
        Assert.Equal(new WindowState(true, Utc("2026-11-23T05:00:00Z"), null), open);

        var before = window.StateAt(At("2026-11-23T01:59:59Z"));
        Assert.Equal(new WindowState(false, null, Utc("2026-11-23T02:00:00Z")), before);

        // The end is exclusive.
        Assert.False(window.StateAt(At("2026-11-23T05:00:00Z")).IsOpen);
    }

    [Fact]
    public void On_a_day_outside_the_window_the_next_opening_is_the_next_listed_day()
    {
        var window = Window("mon-fri 02:00-05:00");

        // Saturday 2026-11-28 at noon: next opening Monday 02:00.
        var state = window.StateAt(At("2026-11-28T12:00:00Z"));

        Assert.Equal(new WindowState(false, null, Utc("2026-11-30T02:00:00Z")), state);
    }

    [Fact]
    public void A_window_that_spans_midnight_belongs_to_the_day_it_starts_on()
    {
        var window = Window("fri 22:00-04:00");

        // Friday 2026-11-27 23:00 and Saturday 01:00 are inside; Saturday 22:30 is not.
        Assert.Equal(new WindowState(true, Utc("2026-11-28T04:00:00Z"), null), window.StateAt(Utc("2026-11-27T23:00:00Z")));
        Assert.Equal(new WindowState(true, Utc("2026-11-28T04:00:00Z"), null), window.StateAt(Utc("2026-11-28T01:00:00Z")));
        Assert.Equal(new WindowState(false, null, Utc("2026-12-04T22:00:00Z")), window.StateAt(Utc("2026-11-28T22:30:00Z")));
    }

    [Fact]
    public void Times_are_read_in_the_windows_time_zone()
    {
        var window = Window("daily 02:00-05:00 Europe/Berlin");

        // 01:30 UTC in November is 02:30 in Berlin (UTC+1).
        Assert.Equal(new WindowState(true, Utc("2026-11-23T04:00:00Z"), null), window.StateAt(Utc("2026-11-23T01:30:00Z")));
        Assert.Equal(new WindowState(false, null, Utc("2026-11-24T01:00:00Z")), window.StateAt(Utc("2026-11-23T04:00:00Z")));
    }

    [Fact]
    public void A_start_that_spring_forward_skips_moves_forward_by_the_change()
    {
        // Berlin skips 02:00-03:00 on Sunday 2026-03-29 (UTC+1 to UTC+2).
        var window = Window("sun 02:30-04:00 Europe/Berlin");

        var state = window.StateAt(Utc("2026-03-29T00:00:00Z"));

        // 02:30 does not exist: it becomes 03:30 CEST = 01:30 UTC; the end, 04:00 CEST, is 02:00 UTC.
        Assert.Equal(new WindowState(false, null, Utc("2026-03-29T01:30:00Z")), state);
        Assert.Equal(new WindowState(true, Utc("2026-03-29T02:00:00Z"), null), window.StateAt(Utc("2026-03-29T01:45:00Z")));
    }

    [Fact]
    public void A_window_on_the_night_clocks_go_back_lasts_an_hour_longer()
    {
        // Berlin repeats 02:00-03:00 on Sunday 2026-10-25 (UTC+2 to UTC+1).
        var window = Window("sat 23:00-04:00 Europe/Berlin");

        var state = window.StateAt(Utc("2026-10-24T22:00:00Z"));

        // Opens 23:00 CEST (21:00 UTC), closes 04:00 CET (03:00 UTC): six hours.
        Assert.Equal(new WindowState(true, Utc("2026-10-25T03:00:00Z"), null), state);
        var (opens, closes) = window.Opening(new DateOnly(2026, 10, 24));
        Assert.Equal(TimeSpan.FromHours(6), closes - opens);
    }

    [Fact]
    public void A_repeated_local_time_means_its_first_occurrence()
    {
        var window = Window("sun 02:30-03:30 Europe/Berlin");

        var (opens, _) = window.Opening(new DateOnly(2026, 10, 25));

        // 02:30 happens twice; the first time is 02:30 CEST = 00:30 UTC.
        Assert.Equal(Utc("2026-10-25T00:30:00Z"), opens);
    }

    [Theory]
    [InlineData("mon-fri", "is not a maintenance window")]
    [InlineData("funday 02:00-05:00", "\"funday\" in \"funday\" is not a day")]
    [InlineData("mon 2am-5am", "\"2am-5am\" is not a time range")]
    [InlineData("mon 25:00-05:00", "is not a time range")]
    [InlineData("mon 02:00-02:00", "starts and ends at the same time")]
    [InlineData("mon 02:00-05:00 Mars/Olympus", "\"Mars/Olympus\" is not a time zone")]
    public void A_malformed_window_is_refused_with_what_to_write(string text, string expected)
    {
        Assert.False(MaintenanceWindow.TryParse(text, out var window, out var error));
        Assert.Null(window);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Days_take_lists_ranges_that_wrap_the_week_and_full_names()
    {
        Assert.Equal([DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Friday, DayOfWeek.Saturday], Window("fri-mon 01:00-02:00").Days.ToArray());
        Assert.Equal([DayOfWeek.Wednesday, DayOfWeek.Saturday], Window("Saturday,wed 01:00-02:00").Days.ToArray());
        Assert.Equal("mon,fri-sun 01:00-02:00 UTC", Window("fri-mon 01:00-02:00").ToString());
        Assert.Equal("mon-fri 02:00-05:00 Europe/Berlin", Window("mon,tue,wed,thu,fri 02:00-05:00 Europe/Berlin").ToString());
        Assert.Equal("wed,sat,sun 01:00-02:00 UTC", Window("sun,wed,sat 01:00-02:00").ToString());
        Assert.Equal("daily 22:00-04:00 Europe/Berlin", Window("* 22:00-04:00 Europe/Berlin").ToString());
    }
}
