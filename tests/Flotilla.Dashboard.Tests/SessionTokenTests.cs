using Flotilla.Dashboard.Internal;
using Flotilla.Security;

namespace Flotilla.Dashboard.Tests;

public sealed class SessionTokenTests
{
    [Fact]
    public void A_protected_token_reads_back_and_a_changed_one_does_not()
    {
        var tokens = new SessionTokens(SessionSecret.Generate());
        var token = SessionTokens.NewToken();
        var cookie = tokens.Protect(token);

        Assert.True(tokens.TryUnprotect(cookie, out var read));
        Assert.Equal(token, read);
        // A changed first character (the cookie itself began with 'A' one time in 64, which made this pass it unchanged).
        Assert.False(tokens.TryUnprotect((cookie[0] == 'A' ? "B" : "A") + cookie[1..], out _));
        Assert.False(tokens.TryUnprotect(cookie[..^1] + (cookie[^1] == 'A' ? 'B' : 'A'), out _));
        Assert.False(tokens.TryUnprotect(token, out _));
        Assert.False(tokens.TryUnprotect(null, out _));
    }

    [Fact]
    public void A_cookie_made_with_another_session_secret_is_refused()
    {
        var cookie = new SessionTokens(SessionSecret.Generate()).Protect(SessionTokens.NewToken());

        Assert.False(new SessionTokens(SessionSecret.Generate()).TryUnprotect(cookie, out _));
    }

    [Fact]
    public void The_same_configured_secret_reads_cookies_across_restarts()
    {
        SessionSecret.TryParse("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", out var before, out _);
        SessionSecret.TryParse("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", out var after, out _);
        var cookie = new SessionTokens(before!).Protect(SessionTokens.NewToken());

        Assert.True(new SessionTokens(after!).TryUnprotect(cookie, out _));
    }

    [Fact]
    public void The_store_knows_a_session_by_a_hash_of_its_token_only()
    {
        var token = SessionTokens.NewToken();

        Assert.Equal(64, SessionTokens.IdOf(token).Length);
        Assert.DoesNotContain(token, SessionTokens.IdOf(token), StringComparison.Ordinal);
    }
}
