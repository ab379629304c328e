using System.CommandLine;
using System.Text.Json;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Auth;
using Flotilla.Contracts;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla hosts add NAME</c> and <c>flotilla tokens ...</c>: tokens written straight into the
/// control plane's store (the server need not run). A new token is printed once, as the last line;
/// only its hash is kept.
/// </summary>
internal static class TokensCommand
{
    public static Command CreateHostsAdd(CliContext context)
    {
        var store = new StoreOptions();
        var name = new Argument<string>("NAME") { Description = "The host's name (as the fleet knows it)" };
        var replace = new Option<bool>("--replace") { Description = "Give an existing host a new token (its old one stops working)" };
        var command = new Command("add", "Add a host to the control plane and print its agent token (once, as the last line)") { name, replace };
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var host = parse.GetValue(name)!;
            if (!HostNames.IsValid(host))
            {
                await context.Error.WriteLineAsync($"flotilla hosts add: {JsonSerializer.Serialize(host)} is not a host name ({HostNames.Rule})").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await using var opened = await store.OpenAsync(context, parse, cancellationToken).ConfigureAwait(false);
            if (opened is null)
            {
                return ExitCodes.Failed;
            }

            var token = Tokens.NewHostToken();
            if (!await opened.SetHostTokenAsync(host, Tokens.Hash(token), TimeProvider.System.GetUtcNow(), parse.GetValue(replace), cancellationToken).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync($"flotilla hosts add: host {host} exists; --replace gives it a new token").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await context.Output.WriteLineAsync($"Added host {host}. Its agent token (shown once; put it in the file that flotilla agent --token-file reads):").ConfigureAwait(false);
            await context.Output.WriteLineAsync(token).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Create(CliContext context)
    {
        return new Command("tokens", "Revoke host tokens; create and revoke API tokens")
        {
            Revoke(context, "revoke", "Revoke a host's agent token: its agent is disconnected and cannot connect again", api: false),
            CreateApi(context),
            Revoke(context, "revoke-api", "Revoke an API token", api: true),
        };
    }

    private static Command CreateApi(CliContext context)
    {
        var store = new StoreOptions();
        var name = new Argument<string>("NAME") { Description = "What the token is for (a person or a script)" };
        var scope = new Option<string>("--scope")
        {
            Description = "What the token may do: read (read only), ops (also the fixed ops and kills), exec (also arbitrary commands, when the server allows them)",
            DefaultValueFactory = _ => "ops",
            HelpName = "read|ops|exec",
        };
        var command = new Command("create-api", "Create an API token and print it (once, as the last line)") { name, scope };
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!HostNames.IsValid(parse.GetValue(name)))
            {
                await context.Error.WriteLineAsync($"flotilla tokens create-api: {JsonSerializer.Serialize(parse.GetValue(name))} is not a token name ({HostNames.Rule})").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            if (!ApiTokenScopes.TryParse(parse.GetValue(scope), out var granted))
            {
                await context.Error.WriteLineAsync($"flotilla tokens create-api: --scope {parse.GetValue(scope)}: expected read, ops or exec").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await using var opened = await store.OpenAsync(context, parse, cancellationToken).ConfigureAwait(false);
            if (opened is null)
            {
                return ExitCodes.Failed;
            }

            var token = Tokens.NewApiToken();
            if (!await opened.AddApiTokenAsync(parse.GetValue(name)!, Tokens.Hash(token), TimeProvider.System.GetUtcNow(), granted, cancellationToken).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync($"flotilla tokens create-api: an API token named {parse.GetValue(name)} exists; revoke it or pick another name").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await context.Output.WriteLineAsync($"Created API token {parse.GetValue(name)} with scope {granted.ToName()} (shown once; send it as Authorization: Bearer TOKEN):").ConfigureAwait(false);
            await context.Output.WriteLineAsync(token).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke(CliContext context, string verb, string description, bool api)
    {
        var store = new StoreOptions();
        var name = new Argument<string>("NAME") { Description = api ? "The API token's name" : "The host" };
        var command = new Command(verb, description) { name };
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var opened = await store.OpenAsync(context, parse, cancellationToken).ConfigureAwait(false);
            if (opened is null)
            {
                return ExitCodes.Failed;
            }

            var target = parse.GetValue(name)!;
            var revoked = api
                ? await opened.RevokeApiTokenAsync(target, cancellationToken).ConfigureAwait(false)
                : await opened.RevokeHostTokenAsync(target, cancellationToken).ConfigureAwait(false);
            if (!revoked)
            {
                await context.Error.WriteLineAsync($"flotilla tokens {verb}: no {(api ? "API token" : "host")} named {target}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await context.Output.WriteLineAsync($"Revoked {(api ? "API token" : "the agent token of host")} {target}.").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
