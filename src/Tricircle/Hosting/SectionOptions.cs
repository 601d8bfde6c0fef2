using Microsoft.Extensions.Options;

namespace Tricircle.Hosting;

/// <summary>An options class bound from one section of the configuration that can check itself.</summary>
internal interface ISectionOptions
{
    /// <summary>Problems found, each naming the key as an operator writes it ("[database] connection: ...").</summary>
    IEnumerable<string> Problems();
}

/// <summary>Runs <see cref="ISectionOptions.Problems"/> at start (ValidateOnStart).</summary>
internal sealed class SectionOptionsValidator<T> : IValidateOptions<T>
    where T : class, ISectionOptions
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

internal static class SectionOptionsExtensions
{
    public static IServiceCollection AddSectionOptions<T>(this IServiceCollection services, string section)
        where T : class, ISectionOptions
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>, SectionOptionsValidator<T>>();
        return services;
    }

    public static string? CheckUrl(string section, string key, string value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? $"[{section}] {key}: is required" : null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? null
            : $"[{section}] {key}: '{value}' is not an http(s) URL";
    }

    public static string? CheckRange(string section, string key, int value, int min, int max) =>
        value < min || value > max ? $"[{section}] {key}: {value} is outside {min}..{max}" : null;
}
