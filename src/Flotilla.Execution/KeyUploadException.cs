namespace Flotilla.Execution;

/// <summary>A key could not be read or uploaded; the message never contains the secret.</summary>
public sealed class KeyUploadException(string message) : Exception(message);
