namespace Tricircle.Pods;

public sealed class MicroversionTests
{
    [Theory]
    [InlineData("2.1", 2, 1)]
    [InlineData(" 2.79 ", 2, 79)]
    public void Parse_ReadsMajorAndMinor(string text, int major, int minor)
    {
        Assert.True(Microversion.TryParse(text, out var version));
        Assert.Equal(new Microversion(major, minor), version);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("2.x")]
    [InlineData("-2.1")]
    [InlineData("")]
    [InlineData(null)]
    public void Parse_RejectsWhatIsNotMajorDotMinor(string? text) => Assert.False(Microversion.TryParse(text, out _));

    [Fact]
    public void Compare_IsNumericNotTextual() => Assert.True(new Microversion(2, 10) > new Microversion(2, 9));
}
