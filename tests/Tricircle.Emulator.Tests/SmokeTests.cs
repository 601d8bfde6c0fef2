namespace Tricircle.Emulator;

public class SmokeTests
{
    [Fact]
    public void Builds() => Assert.True(true);
}
