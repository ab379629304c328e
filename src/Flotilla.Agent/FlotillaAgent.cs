using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Flotilla.Agent.Internal;
using Flotilla.Contracts;
using Microsoft.Extensions.Logging;

namespace Flotilla.Agent;

/// <summary>
/// The host daemon: connects to the server's <c>/ws</c> (reconnecting with jittered backoff),
/// registers with the host's facts, heartbeats, and runs commands with their output streamed
/// line by line. Reliable messages (started, output, completed) stay in an outbox until the
/// server acknowledges them, and are sent again after a reconnect. The outbox is bounded
/// (<see cref="AgentOptions.MaxUnacknowledgedBytes"/>): past it, a command's output is not read
/// until the server has stored more. A server that refuses it (503) is left alone for as long as
/// it asks (<c>Retry-After</c>).
/// </summary>
public sealed partial class FlotillaAgent(AgentOptions options, ILogger<FlotillaAgent> logger)
{
    private readonly Lock _gate = new();
    private readonly List<ReliableAgentMessage> _outbox = [];
    private readonly ConcurrentDictionary<string, CommandProcess> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    /// <summary>The heartbeat's load figures (it keeps the last CPU reading).</summary>
    private readonly HostProbe _load = new(null);
    private readonly StorageProbe _storage = new(options.Storage, options.TimeProvider);
    private Task<IReadOnlyList<StorageUsage>>? _storageRead;
    private readonly BackupResultsProbe _backups = new(options.BackupResults);
    private Task<IReadOnlyList<BackupReport>?>? _backupsRead;
    private IReadOnlyList<BackupReport>? _lastBackups;
    private readonly FactsReporter _facts = new(new HostProbe(options.Repository, options.Tags, options.Hostname, options.SystemProfile), options.TimeProvider, options.FactsRefresh);
    private readonly RepositoryKeeper? _keeper = options.RepositoryUrl is { } url && options.Repository is { } directory ? new RepositoryKeeper(directory, url, options.Branch) : null;
    private readonly SemaphoreSlim _outboxChanged = new(0);
    private long _outboxBytes;
    private TaskCompletionSource? _outboxRoom;
    private TimeSpan? _retryAfter;
    private readonly TaskCompletionSource _restart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _seq;

    /// <summary>What the agent connects with: the token file's, or the host token it was given at enrolment.</summary>
    private string _token = EnrolledToken.Resolve(options.StateDirectory, options.Token);

    public async Task<AgentExit> RunAsync(CancellationToken cancellationToken)
    {
        if (!HostNames.IsValid(options.ReportedHostname))
        {
            // The server would refuse it at every connection: say so once, here.
            throw new InvalidOperationException($"the host name \"{options.ReportedHostname}\" is not valid: a host name is {HostNames.Rule}; give the agent one with --hostname");
        }

        if (_keeper is not null)
        {
            await KeepRepositoryAsync(cancellationToken).ConfigureAwait(false);
        }

        var backoff = options.InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            var registered = false;
            _refused = false;
            try
            {
                registered = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or OperationCanceledException or JsonException)
            {
                LogConnectionFailed(logger, options.Url, e.Message);
            }

            if (_restart.Task.IsCompleted)
            {
                return AgentExit.RestartRequested;
            }

            if (registered)
            {
                backoff = options.InitialBackoff;
            }
            else if (_refused)
            {
                // The URL answers, but not as the agent endpoint (404, a login page) or the token
                // is refused: a setting is wrong, and asking again soon cannot help. Wait long.
                backoff = options.MaxBackoff;
            }

            // Full jitter: many agents that lost one server do not come back at the same instant.
            // A server at its agent limit asked for a wait: at least that, spread over as much
            // again. After another refusal, at least half the longest wait.
            var delay = _retryAfter is { } asked
                ? asked + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * asked.TotalMilliseconds)
                : _refused
                    ? TimeSpan.FromMilliseconds((0.5 + (Random.Shared.NextDouble() / 2)) * backoff.TotalMilliseconds)
                    : TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds);
            _retryAfter = null;
            LogReconnecting(logger, delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
        }

        foreach (var command in _running.Values)
        {
            command.Kill();
        }

        return AgentExit.Stopped;
    }

    /// <summary>One connection, until it ends; true when it got as far as registering.</summary>
    private async Task<bool> ConnectionAsync(CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _token);
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(options.Url, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (WebSocketException) when (socket.HttpStatusCode == HttpStatusCode.Unauthorized)
        {
            LogUnauthorized(logger, options.Url);
            _refused = true;
            return false;
        }
        catch (WebSocketException) when (socket.HttpStatusCode is var status && (int)status is > 0 and < 500 && status != HttpStatusCode.SwitchingProtocols)
        {
            LogNotAnAgentEndpoint(logger, options.Url, (int)status, status.ToString());
            _refused = true;
            return false;
        }
        catch (WebSocketException) when (socket.HttpStatusCode == HttpStatusCode.ServiceUnavailable)
        {
            var headers = socket.HttpResponseHeaders;
            var why = headers?.TryGetValue("X-Flotilla-Refused", out var refused) == true ? string.Join(' ', refused) : "no reason given";
            _retryAfter = headers?.TryGetValue("Retry-After", out var after) == true
                && int.TryParse(after.FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 3600))
                : options.MaxBackoff;
            LogRefused(logger, options.Url, why);
            return false;
        }

        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var send = new SemaphoreSlim(1, 1);
        async Task SendAsync(AgentMessage message)
        {
            await send.WaitAsync(connection.Token).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(ProtocolSerializer.Serialize(message), WebSocketMessageType.Text, true, connection.Token).ConfigureAwait(false);
            }
            finally
            {
                send.Release();
            }
        }

        var facts = await _facts.ForRegisterAsync(cancellationToken).ConfigureAwait(false);
        string[] known;
        lock (_gate)
        {
            known = [.. _running.Keys.Concat(_outbox.OfType<CommandCompletedMessage>().Select(m => m.CommandId)).Distinct(StringComparer.Ordinal)];
        }

        await SendAsync(new RegisterMessage(ProtocolVersion.Current, facts, options.HeartbeatInterval.TotalSeconds, [.. known])).ConfigureAwait(false);
        var receive = ReceiveLoopAsync(socket, connection.Token);
        var heartbeat = HeartbeatLoopAsync(SendAsync, connection.Token);
        var outbox = OutboxLoopAsync(SendAsync, connection.Token);
        var first = await Task.WhenAny(receive, heartbeat, outbox, _restart.Task).ConfigureAwait(false);
        await connection.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(receive, heartbeat, outbox).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }

        // Open: the agent ends the connection; CloseReceived: the server closed it, and the close
        // handshake is answered so the server need not wait for it.
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, _restart.Task.IsCompleted ? "restarting" : "stopping", closing.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }
        }

        if (socket.CloseStatusDescription is { Length: > 0 } reason)
        {
            LogClosedByServer(logger, reason);
        }

        _ = first;
        return _registered;
    }

    private bool _registered;

    /// <summary>The last connection was answered with a refusal (a status other than 101, below 500).</summary>
    private bool _refused;

    /// <summary>Clones the repository the agent keeps when it is not there yet; a failure is logged, and tried again by the ops that need it.</summary>
    private async Task<string?> KeepRepositoryAsync(CancellationToken cancellationToken)
    {
        var error = await _keeper!.EnsureAsync(cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            LogRepositoryFailed(logger, error);
        }

        return error;
    }

    private async Task ReceiveLoopAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        _registered = false;
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (!cancellationToken.IsCancellationRequested)
        {
            message.SetLength(0);
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            var parsed = ProtocolSerializer.DeserializeServerMessage(message.GetBuffer().AsSpan(0, (int)message.Length));
            switch (parsed)
            {
                case RegisteredMessage registered:
                    _registered = true;
                    LogRegistered(logger, registered.Host);
                    if (registered.Token is { Length: > 0 } own)
                    {
                        KeepOwnToken(registered.Host, own);
                    }

                    break;
                case AckMessage ack:
                    TaskCompletionSource? room;
                    lock (_gate)
                    {
                        foreach (var acknowledged in _outbox.TakeWhile(m => m.Seq <= ack.Seq))
                        {
                            _outboxBytes -= SizeOf(acknowledged);
                        }

                        _outbox.RemoveAll(m => m.Seq <= ack.Seq);
                        room = _outboxRoom;
                        _outboxRoom = null;
                    }

                    room?.TrySetResult();
                    break;
                case RunCommandMessage run:
                    Start(run);
                    break;
                case KillCommandMessage kill:
                    if (_running.TryGetValue(kill.CommandId, out var process))
                    {
                        process.Kill();
                    }
                    else
                    {
                        // Killed before it arrived here: never start it.
                        _seen.TryAdd(kill.CommandId, 0);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Enrolled with the shared token: the host's own token is kept and used from now on.</summary>
    private void KeepOwnToken(string host, string own)
    {
        var replaced = _token;
        _token = own;
        if (options.StateDirectory is not { } directory)
        {
            LogOwnTokenNotKept(logger, host, "the agent has no state directory (--state-dir)");
            return;
        }

        try
        {
            LogOwnTokenKept(logger, host, EnrolledToken.Save(directory, own, replaced));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogOwnTokenNotKept(logger, host, e.Message);
        }
    }

    private async Task HeartbeatLoopAsync(Func<AgentMessage, Task> sendAsync, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval, options.TimeProvider);
        do
        {
            await sendAsync(new HeartbeatMessage(_load.Metrics())
            {
                Containers = await ContainerProbe.ReadAsync(cancellationToken).ConfigureAwait(false),
                Storage = await ReadStorageAsync(cancellationToken).ConfigureAwait(false),
                Backups = await ReadBackupsAsync(cancellationToken).ConfigureAwait(false),
            }).ConfigureAwait(false);
            // An op may have switched the system or pulled the repo, or a deploy over ssh may have
            // activated a new generation: report facts that changed.
            if (await _facts.ChangedAsync(cancellationToken).ConfigureAwait(false) is { } facts)
            {
                await sendAsync(new FactsMessage(facts)).ConfigureAwait(false);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The watched file systems, or null when reading them takes over 5 s (a hung network mount
    /// must not hold up the heartbeat); a read still going is not started again until it ends.
    /// </summary>
    private async Task<IReadOnlyList<StorageUsage>?> ReadStorageAsync(CancellationToken cancellationToken)
    {
        if (_storageRead is { IsCompleted: false })
        {
            return null;
        }

        _storageRead = Task.Run(_storage.Read, CancellationToken.None);
        try
        {
            return await _storageRead.WaitAsync(TimeSpan.FromSeconds(5), options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogStorageSlow(logger);
            return null;
        }
    }

    /// <summary>
    /// The backup timers' results; when reading them takes over 5 s (a hung file system), the ones
    /// read last time, and a read still going is not started again until it ends.
    /// </summary>
    private async Task<IReadOnlyList<BackupReport>?> ReadBackupsAsync(CancellationToken cancellationToken)
    {
        if (_backupsRead is { IsCompleted: false })
        {
            return _lastBackups;
        }

        _backupsRead = Task.Run(_backups.Read, CancellationToken.None);
        try
        {
            return _lastBackups = await _backupsRead.WaitAsync(TimeSpan.FromSeconds(5), options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogBackupsSlow(logger, options.BackupResults);
            return _lastBackups;
        }
    }

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Reading the backup results in {Directory} took over 5 s; this heartbeat reports the ones read before")]
    private static partial void LogBackupsSlow(ILogger logger, string? directory);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Reading the watched file systems took over 5 s (a hung network mount?); this heartbeat goes without them")]
    private static partial void LogStorageSlow(ILogger logger);

    /// <summary>Sends every outbox message this connection has not sent yet, in order (all of them after a reconnect).</summary>
    private async Task OutboxLoopAsync(Func<AgentMessage, Task> sendAsync, CancellationToken cancellationToken)
    {
        long sent = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            List<ReliableAgentMessage> next;
            lock (_gate)
            {
                next = [.. _outbox.Where(m => m.Seq > sent)];
            }

            foreach (var message in next)
            {
                await sendAsync(message).ConfigureAwait(false);
                sent = message.Seq;
            }

            await _outboxChanged.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Emit(Func<long, ReliableAgentMessage> create)
    {
        lock (_gate)
        {
            var message = create(++_seq);
            _outbox.Add(message);
            _outboxBytes += SizeOf(message);
        }

        _outboxChanged.Release();
    }

    /// <summary>Emits an output line once the outbox has room (the command's pipe waits meanwhile).</summary>
    private async ValueTask EmitOutputAsync(string commandId, long line, OutputStream stream, string text)
    {
        while (true)
        {
            Task room;
            lock (_gate)
            {
                if (_outboxBytes < options.MaxUnacknowledgedBytes)
                {
                    break;
                }

                room = (_outboxRoom ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await room.ConfigureAwait(false);
        }

        Emit(seq => new OutputMessage(commandId, line, stream, text) { Seq = seq });
    }

    /// <summary>About what a message holds in the outbox.</summary>
    private static long SizeOf(ReliableAgentMessage message) => message is OutputMessage output ? 100 + (2L * output.Text.Length) : 100;

    private void Start(RunCommandMessage run)
    {
        if (!_seen.TryAdd(run.CommandId, 0))
        {
            return;
        }

        var process = new CommandProcess(run.CommandId, options.TimeProvider);
        _running[run.CommandId] = process;
        _ = RunCommandAsync(process, run);
    }

    private async Task RunCommandAsync(CommandProcess process, RunCommandMessage run)
    {
        CommandCompletedMessage completed;
        try
        {
            LogRunning(logger, run.CommandId, run.Op);
            Emit(seq => new CommandStartedMessage(run.CommandId) { Seq = seq });
            if (run.Op == Ops.RestartAgent)
            {
                completed = new CommandCompletedMessage(run.CommandId, CommandOutcome.Exited, 0, 0, "the agent restarts") { Seq = 0 };
            }
            else
            {
                var repositoryError = _keeper is not null && run.Op is Ops.Pull or Ops.Switch or Ops.Test
                    ? await KeepRepositoryAsync(CancellationToken.None).ConfigureAwait(false)
                    : null;
                var (argv, error) = repositoryError is not null
                    ? ([], repositoryError)
                    : OpCommands.For(run.Op, run.Argv, HostProbe.Platform, options.Hostname ?? HostProbe.Hostname, options.Repository, _keeper?.Branch);
                completed = error is not null
                    ? new CommandCompletedMessage(run.CommandId, CommandOutcome.FailedToStart, 0, null, error) { Seq = 0 }
                    : await process.RunAsync(
                        argv,
                        run.TimeoutSeconds,
                        options.MaxLineLength,
                        (line, stream, text) => EmitOutputAsync(run.CommandId, line, stream, text),
                        CancellationToken.None,
                        run.Op == Ops.Exec ? run.Input : null).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            completed = new CommandCompletedMessage(run.CommandId, CommandOutcome.FailedToStart, 0, null, e.Message) { Seq = 0 };
        }

        Emit(seq => completed with { Seq = seq });
        _running.TryRemove(run.CommandId, out _);
        if (run.Op != Ops.Exec)
        {
            _facts.MarkStale();
        }

        if (run.Op == Ops.RestartAgent && completed.Outcome == CommandOutcome.Exited)
        {
            await WaitForEmptyOutboxAsync().ConfigureAwait(false);
            _restart.TrySetResult();
        }
    }

    private async Task WaitForEmptyOutboxAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            lock (_gate)
            {
                if (_outbox.Count == 0)
                {
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), options.TimeProvider).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Could not reach {Url}: {Reason}")]
    private static partial void LogConnectionFailed(ILogger logger, Uri url, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Url} rejected the token (401): check the token file, or add the host again with flotilla hosts add")]
    private static partial void LogUnauthorized(ILogger logger, Uri url);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "{Url} refused the connection (503): {Reason}")]
    private static partial void LogRefused(ILogger logger, Uri url, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Connected and registered as {Host}")]
    private static partial void LogRegistered(ILogger logger, string host);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Reconnecting in {Seconds:0.0} s")]
    private static partial void LogReconnecting(ILogger logger, double seconds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "The server closed the connection: {Reason}")]
    private static partial void LogClosedByServer(ILogger logger, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Running command {CommandId} ({Op})")]
    private static partial void LogRunning(ILogger logger, string commandId, string op);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "{Url} answered {Status} ({Reason}) where the agent expected the Flotilla control plane's agent endpoint to accept its WebSocket (101 Switching Protocols): check --url (the address flotilla serve listens on, path /ws); asking again after a long wait")]
    private static partial void LogNotAnAgentEndpoint(ILogger logger, Uri url, int status, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "The repository the agent keeps: {Reason}")]
    private static partial void LogRepositoryFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Enrolled as {Host}: the server gave the host its own token, kept in {Path}; the shared enrolment token is no longer used")]
    private static partial void LogOwnTokenKept(ILogger logger, string host, string path);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Enrolled as {Host}, but could not keep its own token ({Reason}): this agent uses it until it stops, then cannot connect again; give it the host's token with flotilla hosts add {Host} --replace")]
    private static partial void LogOwnTokenNotKept(ILogger logger, string host, string reason);
}
