namespace Flotilla.Contracts;

/// <summary>
/// Shell-style patterns over host names: <c>*</c> (any run), <c>?</c> (one character) and
/// <c>[...]</c> (one of a set, with ranges <c>a-z</c> and negation <c>[!...]</c> or <c>[^...]</c>).
/// Matching is iterative with one backtrack point, linear-ish in the name's length.
/// </summary>
internal static class Glob
{
    public static bool IsPattern(string text) => text.AsSpan().IndexOfAny('*', '?', '[') >= 0;

    public static bool Matches(string pattern, string name)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
                continue;
            }

            if (p < pattern.Length && MatchOne(pattern, ref p, name[n]))
            {
                n++;
                continue;
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP + 1;
            n = ++starN;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches one pattern element at <paramref name="p"/> against <paramref name="c"/>; advances past it on success.</summary>
    private static bool MatchOne(string pattern, ref int p, char c)
    {
        switch (pattern[p])
        {
            case '?':
                p++;
                return true;
            case '[' when ClassEnd(pattern, p) is var end and > 0:
                if (InClass(pattern, p + 1, end, c))
                {
                    p = end + 1;
                    return true;
                }

                return false;
            default:
                if (pattern[p] == c)
                {
                    p++;
                    return true;
                }

                return false;
        }
    }

    /// <summary>The index of the <c>]</c> closing the class at <paramref name="open"/>, or -1 (then <c>[</c> is literal).</summary>
    private static int ClassEnd(string pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && pattern[i] is '!' or '^')
        {
            i++;
        }

        if (i < pattern.Length && pattern[i] == ']')
        {
            i++;
        }

        for (; i < pattern.Length; i++)
        {
            if (pattern[i] == ']')
            {
                return i;
            }
        }

        return -1;
    }

    private static bool InClass(string pattern, int start, int end, char c)
    {
        var negate = pattern[start] is '!' or '^';
        var i = negate ? start + 1 : start;
        var found = false;
        var first = true;
        while (i < end)
        {
            var low = pattern[i];
            if (low == ']' && !first)
            {
                break;
            }

            first = false;
            if (i + 2 < end && pattern[i + 1] == '-')
            {
                found |= c >= low && c <= pattern[i + 2];
                i += 3;
            }
            else
            {
                found |= c == low;
                i++;
            }
        }

        return found != negate;
    }
}
