using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Backprop.Data;
using Backprop.Kernels;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary>
/// The <c>backprop</c> command line: train, gradcheck, search, eval, predict, plot, data. Errors are one line on
/// stderr (the stack trace only with <c>--verbose</c>) and the exit codes of <see cref="ExitCodes"/>.
/// </summary>
public static class Cli
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code.</summary>
    public static int Run(string[] args, CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var verbose = new Option<bool>("--verbose") { Description = "Show the stack trace of an error", Recursive = true };
        var root = new Command("backprop", "Backprop: fully-connected networks (the CS231n system) trained, checked and searched from the command line.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Options.Add(verbose);
        var threads = new Option<int?>("--threads")
        {
            Description = "Kernel threads (default $BACKPROP_THREADS, else one per CPU); any count gives the same results, bit for bit",
            HelpName = "N",
            Recursive = true,
        };
        root.Options.Add(threads);
        var examples = new Dictionary<Command, string> { [root] = "Example:\n  backprop train --dataset fashion-mnist --epochs 1\n" + ExitCodes.Help };
        void Add(Command c, string example)
        {
            root.Subcommands.Add(c);
            examples[c] = example;
        }
        Add(TrainCommand.Create(console), TrainCommand.Example + "\n" + ExitCodes.TrainHelp);
        Add(GradcheckCommand.Create(console), GradcheckCommand.Example + "\nExit codes: 0 every error within --tol; 1 above; 2 bad usage; 130 interrupted by Ctrl-C.");
        Add(SearchCommand.Create(console), SearchCommand.Example + "\n" + ExitCodes.SearchHelp);
        Add(EvalCommand.Create(console), EvalCommand.Example);
        Add(PredictCommand.Create(console), PredictCommand.Example);
        Add(PlotCommand.Create(console), PlotCommand.Example);
        var data = DataCommand.Create(console);
        Add(data, DataCommand.Example);
        foreach (var sub in data.Subcommands) examples[sub] = DataCommand.Example;
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples((HelpAction)help.Action!, examples);

        var parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            console.Error.WriteLine($"backprop: {ParseErrorMessage(parsed)} (see 'backprop {string.Join(' ', CommandPath(parsed.CommandResult.Command))} --help')".Replace("  ", " "));
            return ExitCodes.Usage;
        }
        int threadsBefore = Parallelism.MaxThreads;
        try
        {
            // Help and version run no kernel: a malformed $BACKPROP_THREADS must not keep them from the user.
            var version = root.Options.OfType<VersionOption>().SingleOrDefault();
            bool informational = parsed.Action == help.Action || (version is not null && parsed.Action == version.Action);
            if (!informational) Parallelism.MaxThreads = KernelThreads(parsed.GetValue(threads), threadsBefore);
            RefuseEmptyValues(parsed.RootCommandResult);
            return parsed.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            int code = CodeOf(e);
            console.Error.WriteLine("backprop: " + e switch
            {
                // The library's own word on what the stop left ("Stopped before training began; nothing was written.").
                OperationCanceledException c when c.Message.StartsWith("Stopped ", StringComparison.Ordinal) =>
                    "interrupted (Ctrl-C or SIGTERM): " + char.ToLowerInvariant(c.Message[0]) + c.Message[1..],
                OperationCanceledException => "interrupted (Ctrl-C or SIGTERM).",
                OutOfMemoryException => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"out of memory ({GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9:F1} GB available): use smaller layers (--hidden), a smaller batch or fewer images."),
                _ => OneLine(UsageException.MessageOf(e)),
            });
            if (parsed.GetValue(verbose)) console.Error.WriteLine(e.ToString());
            return code;
        }
        finally
        {
            Parallelism.MaxThreads = threadsBefore;
        }
    }

    /// <summary>
    /// What a Ctrl-C or SIGTERM does: true (the process goes on) when the running command stops cleanly and this is the
    /// first signal, which cancels <paramref name="stop"/>; false (the process ends now) otherwise.
    /// </summary>
    internal static bool AskToStop(CliConsole console, CancellationTokenSource stop)
    {
        bool first = !stop.IsCancellationRequested;
        stop.Cancel();
        return first && console.StopsCleanly;
    }

    /// <summary>
    /// The kernel threads to run with: <c>--threads</c>, else a valid <c>$BACKPROP_THREADS</c> (which the library reads
    /// too, but ignores when malformed: here that is bad usage), else <paramref name="current"/>.
    /// </summary>
    internal static int KernelThreads(int? option, int current)
    {
        if (option is { } n)
            return Parallelism.IsThreadCount(n) ? n : throw new UsageException($"--threads: must be from 1 to {Parallelism.MaxThreadCount}, got {n}.");
        var env = Environment.GetEnvironmentVariable(Parallelism.ThreadsVariable);
        if (string.IsNullOrWhiteSpace(env)) return current;
        return Parallelism.TryParseThreads(env, out var t)
            ? t : throw new UsageException($"{Parallelism.ThreadsVariable}: '{env}' is not a thread count from 1 to {Parallelism.MaxThreadCount} (unset it for one thread per CPU).");
    }

    /// <summary>
    /// An empty value (<c>--out ''</c>, an unset shell variable) names nothing; said here instead of as .NET's "The
    /// value cannot be an empty string" from deep inside.
    /// </summary>
    private static void RefuseEmptyValues(SymbolResult result)
    {
        foreach (var child in result is CommandResult command ? command.Children : [])
        {
            string? name = child switch { OptionResult o => o.Option.Name, ArgumentResult a => a.Argument.Name, _ => null };
            if (name is not null && child.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value)))
                throw new UsageException($"{name}: the value is empty.");
            RefuseEmptyValues(child);
        }
    }

    /// <summary>
    /// The one parse error to show: a token the command does not know comes first (a mistyped command otherwise reads
    /// "Required command was not provided"), with the closest name the command has when one is a typo away.
    /// </summary>
    private static string ParseErrorMessage(ParseResult parsed)
    {
        if (parsed.UnmatchedTokens.Count == 0) return OptionErrorMessage(parsed.Errors[0]) ?? parsed.Errors[0].Message;
        return Unrecognized(parsed.UnmatchedTokens[0], parsed.CommandResult.Command);
    }

    /// <summary>"Unrecognized command or argument 'trian'; did you mean 'train'?": <paramref name="token"/> against the names <paramref name="command"/> takes.</summary>
    internal static string Unrecognized(string token, Command command)
    {
        var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name)
            .Concat(token.StartsWith('-') ? command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
                .Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)) : []);
        string? closest = names.Select(n => (Name: n, Distance: TypoDistance(token, n)))
            .Where(c => c.Distance <= Math.Max(1, c.Name.Length / 4)).OrderBy(c => c.Distance).Select(c => c.Name).FirstOrDefault();
        return $"Unrecognized command or argument '{token}'" + (closest is null ? "." : $"; did you mean '{closest}'?");
    }

    /// <summary>
    /// An option's parse error in the words of <see cref="Values"/>: given twice ("Option '--epochs' expects a single
    /// argument but 2 were provided" read as a problem with the value), or a value that is not a number (which named
    /// the type <c>System.Nullable`1[System.Int32]</c>). Null for other errors.
    /// </summary>
    private static string? OptionErrorMessage(ParseError error)
    {
        var result = error.SymbolResult switch { OptionResult o => o, ArgumentResult { Parent: OptionResult o } => o, _ => null };
        if (result is null) return null;
        string name = result.Option.Name;
        var values = result.Tokens.Select(t => t.Value).ToList();
        if (result.IdentifierTokenCount > 1)
            return $"{name} is given {result.IdentifierTokenCount} times ({string.Join(", ", values)}); give it once.";
        var type = Nullable.GetUnderlyingType(result.Option.ValueType) ?? result.Option.ValueType;
        if (values.Count != 1) return null;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (type == typeof(int) && !int.TryParse(values[0], System.Globalization.NumberStyles.Integer, inv, out _))
            return $"{name}: '{values[0]}' is not a whole number.";
        if (type == typeof(double) && !double.TryParse(values[0], System.Globalization.NumberStyles.Float, inv, out _))
            return $"{name}: '{values[0]}' is not a number.";
        return null;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    internal static int TypoDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>The exit code of an error: bad usage (2) for what the user can fix on the command line, else failure (1).</summary>
    internal static int CodeOf(Exception e) => e switch
    {
        UsageException or ArgumentException or DataSetUnavailableException => ExitCodes.Usage,
        FileNotFoundException or DirectoryNotFoundException or FolderInUseException => ExitCodes.Usage,
        OperationCanceledException => ExitCodes.Interrupted,
        _ => ExitCodes.Failure,
    };

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static IEnumerable<string> CommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c && c.Parents.Any(); s = c.Parents.FirstOrDefault()) names.Insert(0, c.Name);
        return names;
    }

    /// <summary>The standard help followed by the command's examples and exit codes.</summary>
    private sealed class HelpWithExamples(HelpAction inner, IReadOnlyDictionary<Command, string> examples) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int code = inner.Invoke(parseResult);
            if (examples.TryGetValue(parseResult.CommandResult.Command, out var text))
                parseResult.InvocationConfiguration.Output.WriteLine(text + "\n");
            return code;
        }
    }
}
