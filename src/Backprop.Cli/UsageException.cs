namespace Backprop.Cli;

/// <summary>A bad command line (exit code 2); the message is the one line printed.</summary>
public sealed class UsageException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// Runs <paramref name="call"/>; the library's refusal of its <paramref name="parameter"/> (an
    /// <see cref="ArgumentException"/> naming it) becomes a usage error said of <paramref name="given"/>, the option as
    /// typed (<c>--out runs/x</c>).
    /// </summary>
    internal static T Naming<T>(string given, string parameter, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (ArgumentException e) when (e.ParamName == parameter)
        {
            throw new UsageException($"{given}: {MessageOf(e)}", e);
        }
    }

    /// <summary>An exception's message without .NET's " (Parameter 'x')" suffix.</summary>
    internal static string MessageOf(Exception e) =>
        e is ArgumentException { ParamName: { } p } ? e.Message.Replace($" (Parameter '{p}')", "") : e.Message;
}
