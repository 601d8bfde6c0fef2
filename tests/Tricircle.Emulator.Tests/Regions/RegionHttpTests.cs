using System.Globalization;

namespace Tricircle.Emulator.Regions;

public sealed class RegionHttpTests
{
    public static TheoryData<string> Instants => new()
    {
        "2026-11-22T10:00:00.0000000+00:00",
        "2026-11-22T10:00:00.1234567+00:00",
        "2026-02-03T04:05:06.9999999+00:00",
        "2026-12-31T23:59:59.0000010+02:00",
        "0999-01-01T00:00:00.5000000+00:00",
    };

    [Theory]
    [MemberData(nameof(Instants))]
    public void Timestamps_AreWrittenAsTheServicesWriteThem_InUtc_FractionsCutNotRounded(string instant)
    {
        var at = DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);

        Assert.Equal(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), RegionHttp.Timestamp(at));
        Assert.Equal(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture), RegionHttp.CinderTimestamp(at));
    }

    [Fact]
    public void Timestamps_OfOneInstant_ReadAsNovaAndCinderWriteThem()
    {
        var at = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567);

        Assert.Equal("2026-11-22T10:00:00Z", RegionHttp.Timestamp(at));
        Assert.Equal("2026-11-22T10:00:00.123456", RegionHttp.CinderTimestamp(at));
    }
}
