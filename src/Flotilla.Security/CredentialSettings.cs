using System.Collections.Immutable;

namespace Flotilla.Security;

/// <summary>
/// The login configuration as <see cref="CredentialLoader"/> read it. <see cref="Account"/> is null
/// when no password hash is set: the server still starts and nobody can log in.
/// <see cref="Notes"/> are what the server should say at start (how to create a user, what was
/// read from NixFleet's names, what is weaker than it could be).
/// </summary>
public sealed record CredentialSettings(LoginAccount? Account, SessionSecret SessionSecret, ImmutableArray<string> Notes);
