using System.Globalization;

namespace Tricircle.Data;

/// <summary>
/// Timestamps as the database keeps them: UTC, whole seconds (so that the Admin API's
/// <c>created_at=</c> equality filter can match what it printed), printed as OpenStack does.
/// </summary>
internal static class DbTime
{
    public const string Format = "yyyy-MM-dd HH:mm:ss";

    public static DateTime Now(TimeProvider timeProvider)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    /// <summary>SQLite hands back text parsed without a kind; PostgreSQL hands back UTC.</summary>
    public static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc);

    public static string? Print(DateTime? value) => value is { } v ? Utc(v).ToString(Format, CultureInfo.InvariantCulture) : null;

    public static bool TryParse(string text, out DateTime value)
    {
        var ok = DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);
        value = DateTime.SpecifyKind(value, DateTimeKind.Utc);
        return ok;
    }
}
