using System.Globalization;

namespace Tricircle.Pods;

/// <summary>An OpenStack API microversion, "2.37" (Nova) or "3.60" (Cinder).</summary>
internal readonly record struct Microversion(int Major, int Minor) : IComparable<Microversion>
{
    /// <summary>Nova's v2.1 base version (the compute gateway's minimum).</summary>
    public static readonly Microversion Min = new(2, 1);

    /// <summary>The newest Nova microversion the gateway itself understands (Nova 2024.2's).</summary>
    public static readonly Microversion GatewayMax = new(2, 96);

    public static bool TryParse(string? text, out Microversion version)
    {
        version = default;
        var parts = text?.Trim().Split('.') ?? [];
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            version = new Microversion(major, minor);
            return true;
        }

        return false;
    }

    public int CompareTo(Microversion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(Microversion a, Microversion b) => a.CompareTo(b) < 0;

    public static bool operator >(Microversion a, Microversion b) => a.CompareTo(b) > 0;

    public static bool operator <=(Microversion a, Microversion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(Microversion a, Microversion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Major}.{Minor}";
}
