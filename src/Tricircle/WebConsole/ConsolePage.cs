using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Tricircle.WebConsole;

/// <summary>
/// A live console page: it loads its data, then reads it again every <c>[console]
/// refresh_seconds</c> (a <see cref="TimeProvider"/> timer) while it is open, and first asks
/// whether the user's Keystone token still holds: a revoked or expired one ends on the login
/// page. Pages inherit it (<c>@inherits ConsolePage</c>) and fill in <see cref="LoadAsync"/>.
/// </summary>
public abstract class ConsolePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _closed = new();
    private ITimer? _timer;
    private int _refreshing;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = null!;

    [Inject]
    private TimeProvider Time { get; set; } = null!;

    [Inject]
    private IOptions<ConsoleOptions> Options { get; set; } = null!;

    [Inject]
    private ConsoleAuthentication Authentication { get; set; } = null!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = null!;

    /// <summary>Who is looking (never null once initialised: pages require a login).</summary>
    internal ConsoleUser User { get; private set; } = null!;

    /// <summary>Cancelled when the page closes.</summary>
    protected CancellationToken Closed => _closed.Token;

    /// <summary>When the data on the page was read.</summary>
    protected DateTimeOffset LoadedAt { get; private set; }

    /// <summary>Reads the page's data (again, on each refresh).</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    protected override async Task OnInitializedAsync()
    {
        User = ConsoleUser.From((await AuthenticationState).User) ?? throw new InvalidOperationException("A console page needs a logged-in user.");
        await LoadAndStampAsync();
        if (RendererInfo.IsInteractive)
        {
            var period = Options.Value.Refresh;
            _timer = Time.CreateTimer(_ => _ = InvokeAsync(RefreshAsync), null, period, period);
        }
    }

    /// <summary>Reads the data again now (after an action on the page, say).</summary>
    protected async Task ReloadAsync()
    {
        await LoadAndStampAsync();
        StateHasChanged();
    }

    private async Task LoadAndStampAsync()
    {
        await LoadAsync(Closed);
        LoadedAt = Time.GetUtcNow();
    }

    private async Task RefreshAsync()
    {
        if (_closed.IsCancellationRequested || Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return; // the last refresh is still under way (a slow pod): skip this tick
        }

        try
        {
            if (!await Authentication.IsValidAsync(User, Closed))
            {
                Navigation.NavigateTo("login", forceLoad: true);
                return;
            }

            await ReloadAsync();
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer?.Dispose();
            _closed.Cancel();
            _closed.Dispose();
        }
    }
}
