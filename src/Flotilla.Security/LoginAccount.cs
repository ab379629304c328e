namespace Flotilla.Security;

/// <summary>The person who may log in: a name (for the audit log), a password hash and, when enrolled, a TOTP secret.</summary>
public sealed record LoginAccount(string Name, PasswordHash PasswordHash, TotpSecret? TotpSecret);
