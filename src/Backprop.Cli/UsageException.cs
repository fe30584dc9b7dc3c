namespace Backprop.Cli;

/// <summary>A bad command line (exit code 2); the message is the one line printed.</summary>
public sealed class UsageException(string message, Exception? inner = null) : Exception(message, inner);
