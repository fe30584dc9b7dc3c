using System.CommandLine.Parsing;
using Backprop.Data;

namespace Backprop.Cli;

/// <summary>
/// The parser of every option and argument that names a file or folder (<c>CustomParser = UserPath.Parse</c>): a
/// leading <c>~</c> the shell left in place (<c>--out=~/runs</c>, <c>"~/runs"</c>) is the home folder, as
/// <see cref="HomeFolder.Expand(string?)"/> reads it, instead of a folder named <c>~</c> in the current one.
/// </summary>
internal static class UserPath
{
    /// <summary>A path option's value, <c>~</c> expanded; without a home folder to expand it to, a parse error naming the option.</summary>
    public static string? Parse(ArgumentResult result) => result.Tokens.Count == 0 ? null : Expand(result, result.Tokens[0].Value);

    /// <summary>A path argument's values (<c>plot RUN_DIR...</c>), each expanded as in <see cref="Parse"/>.</summary>
    public static string[] ParseAll(ArgumentResult result) => result.Tokens.Select(t => Expand(result, t.Value) ?? t.Value).ToArray();

    private static string? Expand(ArgumentResult result, string value)
    {
        try
        {
            return HomeFolder.Expand(value);
        }
        catch (ArgumentException e)
        {
            string name = result.Parent is OptionResult o ? o.Option.Name : result.Argument.Name;
            result.AddError($"{name}: {UsageException.MessageOf(e)}");
            return null;
        }
    }
}
