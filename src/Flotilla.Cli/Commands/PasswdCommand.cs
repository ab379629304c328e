using System.CommandLine;
using Flotilla.Security;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla passwd</c>: asks for a password twice without echo (or reads one line with
/// <c>--stdin</c>) and prints its crypt(3) hash; <c>--totp</c> also makes a TOTP secret and shows
/// its otpauth:// URI and QR code. The password never appears in arguments, output or logs.
/// </summary>
internal static class PasswdCommand
{
    public static Command Create(CliContext context)
    {
        var stdin = new Option<bool>("--stdin") { Description = "Read the password from the first line of standard input instead of asking (for scripts)" };
        var algorithm = new Option<string>("--algorithm", "-m")
        {
            Description = "bcrypt ($2b$, default: NixFleet and htpasswd read it too), yescrypt ($y$) or sha512crypt ($6$)",
            DefaultValueFactory = _ => "bcrypt",
            HelpName = "NAME",
        };
        algorithm.AcceptOnlyFromAmong("bcrypt", "yescrypt", "sha512crypt");
        var cost = new Option<int?>("--cost") { Description = "bcrypt: 4-31 (default 12); yescrypt: 1-11 (default 5); sha512crypt: rounds (default 5000)", HelpName = "N" };
        var totp = new Option<bool>("--totp") { Description = "Also make a TOTP secret: print FLOTILLA_PASSWORD_HASH= and FLOTILLA_TOTP_SECRET= lines, and show the otpauth:// URI and QR code on standard error" };
        var account = new Option<string>("--account") { Description = "The account name shown in the authenticator app", DefaultValueFactory = _ => CredentialLoader.DefaultUser, HelpName = "NAME" };
        var issuer = new Option<string>("--issuer") { Description = "The issuer shown in the authenticator app", DefaultValueFactory = _ => "Flotilla", HelpName = "NAME" };
        var noQr = new Option<bool>("--no-qr") { Description = "With --totp, leave out the QR code" };
        var command = new Command("passwd", "Make a password hash (and with --totp a TOTP secret) for the dashboard's login")
        {
            stdin, algorithm, cost, totp, account, issuer, noQr,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var password = parse.GetValue(stdin)
                ? await ReadLineAsync(context, cancellationToken).ConfigureAwait(false)
                : await PromptAsync(context).ConfigureAwait(false);
            if (password is null)
            {
                return ExitCodes.InvalidInput;
            }

            var chosen = parse.GetValue(algorithm) switch
            {
                "yescrypt" => PasswordHashAlgorithm.Yescrypt,
                "sha512crypt" => PasswordHashAlgorithm.Sha512Crypt,
                _ => PasswordHashAlgorithm.Bcrypt,
            };
            PasswordHash hash;
            try
            {
                hash = PasswordHash.Create(password, chosen, parse.GetValue(cost));
            }
            catch (ArgumentException e)
            {
                await context.Error.WriteLineAsync("passwd: " + e.Message).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            if (!parse.GetValue(totp))
            {
                await context.Output.WriteLineAsync(hash.Value).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var enrollment = new TotpEnrollment(TotpSecret.Generate(), parse.GetValue(issuer)!, parse.GetValue(account)!);
            // Single quotes keep the $ signs as they are in a shell, a compose env_file and systemd's EnvironmentFile.
            await context.Output.WriteLineAsync($"FLOTILLA_PASSWORD_HASH='{hash.Value}'").ConfigureAwait(false);
            await context.Output.WriteLineAsync($"FLOTILLA_TOTP_SECRET={enrollment.Secret.Base32Text}").ConfigureAwait(false);
            await context.Error.WriteLineAsync("Add this secret to your authenticator app (scan the code or open the URI):").ConfigureAwait(false);
            await context.Error.WriteLineAsync(enrollment.Uri).ConfigureAwait(false);
            if (!parse.GetValue(noQr))
            {
                await context.Error.WriteLineAsync(enrollment.QrText()).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string?> ReadLineAsync(CliContext context, CancellationToken cancellationToken)
    {
        var line = await context.Input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(line))
        {
            await context.Error.WriteLineAsync("passwd: no password on standard input (expected one line)").ConfigureAwait(false);
            return null;
        }

        return line;
    }

    private static async Task<string?> PromptAsync(CliContext context)
    {
        if (Console.IsInputRedirected)
        {
            await context.Error.WriteLineAsync("passwd: standard input is not a terminal; pass --stdin to read the password from it").ConfigureAwait(false);
            return null;
        }

        var first = SilentPrompt.Read(context.Error, "Password: ");
        var second = SilentPrompt.Read(context.Error, "Again: ");
        if (first.Length == 0)
        {
            await context.Error.WriteLineAsync("passwd: the password is empty").ConfigureAwait(false);
            return null;
        }

        if (first != second)
        {
            await context.Error.WriteLineAsync("passwd: the passwords differ; nothing was made").ConfigureAwait(false);
            return null;
        }

        return first;
    }
}
