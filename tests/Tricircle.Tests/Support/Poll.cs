namespace Tricircle.Support;

/// <summary>Waiting on a condition with a deadline, instead of sleeping and hoping.</summary>
public static class Poll
{
    /// <summary>Checks <paramref name="condition"/> every 50 ms until it holds; fails the test with <paramref name="what"/> after <paramref name="within"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within, Func<string> what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {within.TotalSeconds:0} s: {what()}");
            }

            await Task.Delay(50);
        }
    }
}
