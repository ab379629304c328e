namespace Flotilla.Security;

/// <summary>How codes are made and checked. The defaults are what every authenticator app and NixFleet use.</summary>
public sealed record TotpOptions
{
    public static TotpOptions Default { get; } = new();

    public TotpAlgorithm Algorithm { get; init; } = TotpAlgorithm.Sha1;

    /// <summary>6 or 8.</summary>
    public int Digits { get; init; } = 6;

    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many steps before and after the current one a code may come from (clock skew, slow typing).</summary>
    public int Tolerance { get; init; } = 1;
}
