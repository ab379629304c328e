using Microsoft.Extensions.Time.Testing;
namespace Flotilla.Security.Tests;

public sealed class TotpValidatorTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_015));
    private readonly TotpSecret _secret = TotpSecret.Generate();

    private string CodeAt(TimeSpan offset) =>
        Totp.Code(_secret, Totp.Step(_time.GetUtcNow() + offset, TotpOptions.Default), TotpOptions.Default);

    [Fact]
    public async Task The_current_code_is_accepted_once_and_then_refused_as_replayed()
    {
        var validator = new TotpValidator(new InMemoryTotpStepStore(), _time);
        var code = CodeAt(TimeSpan.Zero);

        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("admin", _secret, code));
        Assert.Equal(TotpResult.Replayed, await validator.ValidateAsync("admin", _secret, code));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TotpResult.Replayed, await validator.ValidateAsync("admin", _secret, code));
    }

    [Fact]
    public async Task A_code_one_step_off_is_accepted_and_two_steps_off_is_not()
    {
        var validator = new TotpValidator(new InMemoryTotpStepStore(), _time);

        Assert.Equal(TotpResult.Invalid, await validator.ValidateAsync("admin", _secret, CodeAt(TimeSpan.FromSeconds(-60))));
        Assert.Equal(TotpResult.Invalid, await validator.ValidateAsync("admin", _secret, CodeAt(TimeSpan.FromSeconds(60))));
        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("admin", _secret, CodeAt(TimeSpan.FromSeconds(-30))));
        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("admin", _secret, CodeAt(TimeSpan.FromSeconds(30))));
    }

    [Fact]
    public async Task An_older_code_after_a_newer_one_was_used_is_refused()
    {
        var validator = new TotpValidator(new InMemoryTotpStepStore(), _time);
        var previous = CodeAt(TimeSpan.FromSeconds(-30));

        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("admin", _secret, CodeAt(TimeSpan.Zero)));
        Assert.Equal(TotpResult.Replayed, await validator.ValidateAsync("admin", _secret, previous));
    }

    [Fact]
    public async Task The_next_step_s_code_is_accepted_after_the_clock_moves_on()
    {
        var validator = new TotpValidator(new InMemoryTotpStepStore(), _time);

        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("admin", _secret, CodeAt(TimeSpan.Zero)));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("admin", _secret, CodeAt(TimeSpan.Zero)));
    }

    [Fact]
    public async Task Steps_are_remembered_per_account()
    {
        var store = new InMemoryTotpStepStore();
        var validator = new TotpValidator(store, _time);
        var code = CodeAt(TimeSpan.Zero);

        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("alice", _secret, code));
        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("bob", _secret, code));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    public async Task Something_that_is_not_a_code_is_invalid(string? code)
    {
        var validator = new TotpValidator(new InMemoryTotpStepStore(), _time);

        Assert.Equal(TotpResult.Invalid, await validator.ValidateAsync("admin", _secret, code));
    }

    [Fact]
    public async Task A_code_typed_with_a_space_in_the_middle_is_accepted()
    {
        var validator = new TotpValidator(new InMemoryTotpStepStore(), _time);
        var code = CodeAt(TimeSpan.Zero);

        Assert.Equal(TotpResult.Accepted, await validator.ValidateAsync("admin", _secret, code[..3] + " " + code[3..]));
    }

    [Fact]
    public async Task Only_one_of_many_concurrent_uses_of_a_code_is_accepted()
    {
        var validator = new TotpValidator(new InMemoryTotpStepStore(), _time);
        var code = CodeAt(TimeSpan.Zero);

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () => await validator.ValidateAsync("admin", _secret, code))));

        Assert.Single(results, r => r == TotpResult.Accepted);
        Assert.Equal(31, results.Count(r => r == TotpResult.Replayed));
    }
}
