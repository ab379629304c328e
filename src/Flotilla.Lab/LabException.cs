namespace Flotilla.Lab;

/// <summary>A lab could not be created, found or changed; the message names what and where.</summary>
public sealed class LabException : Exception
{
    public LabException(string message)
        : base(message)
    {
    }

    public LabException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LabException()
    {
    }
}
