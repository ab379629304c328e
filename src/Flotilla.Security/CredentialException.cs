namespace Flotilla.Security;

/// <summary>A credential setting is missing, unreadable or malformed; the message names the variable, where it came from and what to do.</summary>
public sealed class CredentialException : Exception
{
    public CredentialException(string message)
        : base(message)
    {
    }

    public CredentialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CredentialException()
    {
    }
}
