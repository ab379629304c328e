using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// What <c>flotilla serve</c> leaves on disk, whatever the umask it starts with: the data directory
/// and the keys directory 0700, the database, its WAL and SHM and the keys 0600. The server runs as
/// a real process (the built CLI) started under <c>umask 000</c>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class FilesAtRestTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    [Fact]
    public async Task Under_umask_000_the_data_directory_is_0700_and_the_database_its_wal_shm_and_keys_are_0600()
    {
        using var temp = new TempDirectory();
        var data = Path.Combine(temp.Path, "data");
        using var serve = UnderUmask000(temp.Path, "serve", "--urls", "http://127.0.0.1:0", "--data-dir", data, "--state-dir", temp.Path);
        try
        {
            var url = await serve.UrlAsync();
            using var http = new HttpClient { BaseAddress = url };
            // The login form's antiforgery token makes the first data protection key.
            Assert.Contains("__csrf", await http.GetStringAsync("/login"), StringComparison.Ordinal);
            var keys = Path.Combine(data, "keys");
            await Eventually.WaitAsync(() => Task.FromResult(Directory.Exists(keys) && Directory.EnumerateFiles(keys).Any()), () => "no key was written: " + serve.Log);

            Assert.Equal(PrivateDirectory, File.GetUnixFileMode(data));
            Assert.Equal(PrivateDirectory, File.GetUnixFileMode(keys));
            foreach (var name in new[] { "flotilla.db", "flotilla.db-wal", "flotilla.db-shm" })
            {
                var path = Path.Combine(data, name);
                Assert.True(File.Exists(path), $"{name} does not exist: " + string.Join(", ", Directory.EnumerateFileSystemEntries(data)));
                Assert.Equal((name, Private), (name, File.GetUnixFileMode(path)));
            }

            foreach (var key in Directory.EnumerateFiles(keys))
            {
                Assert.Equal((key, Private), (key, File.GetUnixFileMode(key)));
            }
        }
        finally
        {
            serve.Stop();
        }
    }

    [Fact]
    public async Task A_database_left_readable_by_an_older_version_is_made_0600_when_it_is_opened()
    {
        using var temp = new TempDirectory();
        var data = Path.Combine(temp.Path, "data");
        Directory.CreateDirectory(data);
        var database = Path.Combine(data, "flotilla.db");
        await File.WriteAllBytesAsync(database, []);
        File.SetUnixFileMode(database, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var add = UnderUmask000(temp.Path, "hosts", "add", "web1", "--data-dir", data);
        Assert.Equal(0, await add.ExitAsync());

        Assert.Equal(Private, File.GetUnixFileMode(database));
    }

    /// <summary>The built <c>flotilla</c> with its arguments, started by <c>sh</c> after <c>umask 000</c>.</summary>
    private static CliProcess UnderUmask000(string workingDirectory, params string[] args)
    {
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in (string[])["-c", "umask 000 && exec \"$@\"", "sh", "dotnet", Path.Combine(AppContext.BaseDirectory, "flotilla.dll"), .. args])
        {
            startInfo.ArgumentList.Add(argument);
        }

        return new CliProcess(Process.Start(startInfo)!);
    }

    private sealed class CliProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();

        public CliProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public async Task<Uri> UrlAsync()
        {
            Match? listening = null;
            await Eventually.WaitAsync(() => Task.FromResult(_process.HasExited || (listening = Listening().Match(Log)).Success), () => "serve printed no address: " + Log);
            Assert.False(_process.HasExited, "serve ended: " + Log);
            return new Uri(listening!.Groups[1].Value);
        }

        public async Task<int> ExitAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public void Stop()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(line);
                }
            }
        }
    }

    [GeneratedRegex("listening on (http://127\\.0\\.0\\.1:\\d+)")]
    private static partial Regex Listening();
}
