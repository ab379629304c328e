namespace Flotilla.Execution;

/// <summary>A run directory that does not exist or cannot be read; the message names it and says what to do.</summary>
public sealed class RunJournalException : Exception
{
    public RunJournalException()
    {
    }

    public RunJournalException(string message)
        : base(message)
    {
    }

    public RunJournalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
