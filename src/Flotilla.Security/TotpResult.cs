namespace Flotilla.Security;

/// <summary>What became of a code.</summary>
public enum TotpResult
{
    /// <summary>The code is right and its time step had not been used: it is used now.</summary>
    Accepted,

    /// <summary>The code matches no time step within the tolerance (or is not a code at all).</summary>
    Invalid,

    /// <summary>The code is right but its time step (or a later one) was already used to log in.</summary>
    Replayed,
}
