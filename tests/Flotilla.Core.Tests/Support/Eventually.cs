namespace Flotilla.Tests.Support;

/// <summary>Polls a condition until it holds; bounded (fails the test with a message after the limit).</summary>
public static class Eventually
{
    public static async Task WaitAsync(Func<Task<bool>> condition, Func<string> failure, double seconds = 30)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail(failure());
    }
}
