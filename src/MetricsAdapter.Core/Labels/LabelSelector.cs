using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MetricsAdapter.Core.Validation;

namespace MetricsAdapter.Core.Labels;

/// <summary>A label-selector operator, written as in the selector text.</summary>
public enum SelectorOperator
{
    /// <summary><c>key=value</c></summary>
    Equals,

    /// <summary><c>key==value</c></summary>
    DoubleEquals,

    /// <summary><c>key!=value</c>; also matches when the key is absent.</summary>
    NotEquals,

    /// <summary><c>key in (a,b)</c></summary>
    In,

    /// <summary><c>key notin (a,b)</c>; also matches when the key is absent.</summary>
    NotIn,

    /// <summary><c>key</c></summary>
    Exists,

    /// <summary><c>!key</c></summary>
    DoesNotExist,

    /// <summary><c>key&gt;5</c>: the label value, read as an integer, is greater.</summary>
    GreaterThan,

    /// <summary><c>key&lt;5</c>: the label value, read as an integer, is less.</summary>
    LessThan,
}

/// <summary>One requirement of a selector. <see cref="Values"/> are sorted ordinally and distinct.</summary>
public sealed record SelectorRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    private readonly long _integerOperand = Operator is SelectorOperator.GreaterThan or SelectorOperator.LessThan
        ? long.Parse(Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
        : 0;

    /// <summary>Whether a label set satisfies this requirement (apimachinery <c>Requirement.Matches</c>).</summary>
    public bool Matches(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var present = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.In => present && Contains(value!),
            SelectorOperator.NotEquals or SelectorOperator.NotIn => !present || !Contains(value!),
            SelectorOperator.Exists => present,
            SelectorOperator.DoesNotExist => !present,
            SelectorOperator.GreaterThan => present && TryParseInteger(value!, out var greater) && greater > _integerOperand,
            SelectorOperator.LessThan => present && TryParseInteger(value!, out var less) && less < _integerOperand,
            _ => false,
        };
    }

    /// <summary>Whether <paramref name="value"/> is one of <see cref="Values"/>.</summary>
    public bool Contains(string value)
    {
        for (var i = 0; i < Values.Count; i++)
        {
            if (string.Equals(Values[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The requirement as apimachinery prints it.</summary>
    public override string ToString() => Operator switch
    {
        SelectorOperator.Exists => Key,
        SelectorOperator.DoesNotExist => "!" + Key,
        SelectorOperator.Equals => $"{Key}={Values[0]}",
        SelectorOperator.DoubleEquals => $"{Key}=={Values[0]}",
        SelectorOperator.NotEquals => $"{Key}!={Values[0]}",
        SelectorOperator.GreaterThan => $"{Key}>{Values[0]}",
        SelectorOperator.LessThan => $"{Key}<{Values[0]}",
        SelectorOperator.In => $"{Key} in ({string.Join(',', Values)})",
        SelectorOperator.NotIn => $"{Key} notin ({string.Join(',', Values)})",
        _ => Key,
    };

    /// <summary>The integer operand rule of <c>gt</c> and <c>lt</c>: an optionally signed decimal <see cref="long"/>.</summary>
    internal static bool TryParseInteger(string? text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}

/// <summary>
/// A Kubernetes label selector, parsed with apimachinery's grammar (<c>pkg/labels/selector.go</c>): comma-joined
/// requirements, all of which must hold. The empty selector selects everything.
/// </summary>
public sealed class LabelSelector
{
    /// <summary>The longest selector text accepted. A selector is a query parameter; 8 KiB is far beyond any real one.</summary>
    public const int MaxLength = 8192;

    private LabelSelector(IReadOnlyList<SelectorRequirement> requirements)
    {
        Requirements = requirements;
    }

    /// <summary>Selects every label set.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>The requirements, sorted by key (stable for equal keys).</summary>
    public IReadOnlyList<SelectorRequirement> Requirements { get; }

    /// <summary>Parses selector text; null, empty or blank text selects everything.</summary>
    /// <exception cref="FormatException">The text is not a valid selector; the message says where and why.</exception>
    public static LabelSelector Parse(string? text) =>
        TryParse(text, out var selector, out var error) ? selector : throw new FormatException(error);

    /// <summary>Parses selector text; on failure <paramref name="error"/> is a message for a person.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out LabelSelector? selector, [NotNullWhen(false)] out string? error)
    {
        selector = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            selector = Everything;
            error = null;
            return true;
        }

        if (text.Length > MaxLength)
        {
            error = $"the label selector is {text.Length} characters long; at most {MaxLength} are accepted";
            return false;
        }

        if (!new SelectorParser(text).TryParse(out var requirements, out error))
        {
            error = $"unable to parse label selector \"{Abbreviate(text)}\": {error}";
            return false;
        }

        selector = new LabelSelector(requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToArray());
        return true;
    }

    /// <summary>Whether every requirement holds for <paramref name="labels"/>.</summary>
    public bool Matches(LabelSet labels)
    {
        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The canonical text: requirements sorted by key, comma-joined; values sorted.</summary>
    public override string ToString() => string.Join(',', Requirements);

    private static string Abbreviate(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");

    /// <summary>Recursive-descent parser over apimachinery's tokens.</summary>
    private sealed class SelectorParser(string text)
    {
        private readonly List<Token> _tokens = Lex(text);
        private int _position;

        public bool TryParse([NotNullWhen(true)] out List<SelectorRequirement>? requirements, [NotNullWhen(false)] out string? error)
        {
            requirements = [];
            while (true)
            {
                var next = Peek();
                switch (next.Kind)
                {
                    case TokenKind.EndOfString:
                        error = null;
                        return true;
                    case TokenKind.Identifier or TokenKind.DoesNotExist:
                        if (!TryParseRequirement(out var requirement, out error))
                        {
                            requirements = null;
                            return false;
                        }

                        requirements.Add(requirement);
                        var separator = Consume();
                        if (separator.Kind == TokenKind.EndOfString)
                        {
                            return true;
                        }

                        if (separator.Kind != TokenKind.Comma)
                        {
                            requirements = null;
                            error = $"found '{separator.Text}', expected: ',' or 'end of string'";
                            return false;
                        }

                        if (Peek().Kind is not (TokenKind.Identifier or TokenKind.DoesNotExist))
                        {
                            requirements = null;
                            error = $"found '{Peek().Text}', expected: identifier after ','";
                            return false;
                        }

                        break;
                    default:
                        requirements = null;
                        error = $"found '{next.Text}', expected: !, identifier, or 'end of string'";
                        return false;
                }
            }
        }

        private bool TryParseRequirement([NotNullWhen(true)] out SelectorRequirement? requirement, [NotNullWhen(false)] out string? error)
        {
            requirement = null;
            var token = Consume();
            var negated = false;
            if (token.Kind == TokenKind.DoesNotExist)
            {
                negated = true;
                token = Consume();
            }

            if (token.Kind != TokenKind.Identifier)
            {
                error = $"found '{token.Text}', expected: identifier";
                return false;
            }

            var key = token.Text;
            if (KubernetesNames.ValidateQualifiedName(key) is { } keyError)
            {
                error = $"invalid label key \"{key}\": {keyError}";
                return false;
            }

            if (negated || Peek().Kind is TokenKind.EndOfString or TokenKind.Comma)
            {
                requirement = new SelectorRequirement(key, negated ? SelectorOperator.DoesNotExist : SelectorOperator.Exists, []);
                error = null;
                return true;
            }

            var operatorToken = ConsumeOperator();
            SelectorOperator op;
            SortedSet<string> values;
            switch (operatorToken.Kind)
            {
                case TokenKind.In or TokenKind.NotIn:
                    op = operatorToken.Kind == TokenKind.In ? SelectorOperator.In : SelectorOperator.NotIn;
                    if (!TryParseValueSet(out values!, out error))
                    {
                        return false;
                    }

                    break;
                case TokenKind.Equals or TokenKind.DoubleEquals or TokenKind.NotEquals or TokenKind.GreaterThan or TokenKind.LessThan:
                    op = operatorToken.Kind switch
                    {
                        TokenKind.Equals => SelectorOperator.Equals,
                        TokenKind.DoubleEquals => SelectorOperator.DoubleEquals,
                        TokenKind.NotEquals => SelectorOperator.NotEquals,
                        TokenKind.GreaterThan => SelectorOperator.GreaterThan,
                        _ => SelectorOperator.LessThan,
                    };
                    if (!TryParseExactValue(out values!, out error))
                    {
                        return false;
                    }

                    break;
                default:
                    error = $"found '{operatorToken.Text}', expected: in, notin, =, ==, !=, gt, lt";
                    return false;
            }

            foreach (var value in values)
            {
                if (KubernetesNames.ValidateLabelValue(value) is { } valueError)
                {
                    error = $"invalid label value \"{value}\" for key \"{key}\": {valueError}";
                    return false;
                }
            }

            if (op is SelectorOperator.GreaterThan or SelectorOperator.LessThan
                && !SelectorRequirement.TryParseInteger(values.Min, out _))
            {
                error = $"for 'gt', 'lt' operators the value must be an integer, not \"{values.Min}\" (key \"{key}\")";
                return false;
            }

            requirement = new SelectorRequirement(key, op, values.ToArray());
            error = null;
            return true;
        }

        /// <summary><c>( v1, v2 )</c>. As in apimachinery, empty positions stand for the empty value: <c>()</c> is <c>("")</c>.</summary>
        private bool TryParseValueSet(out SortedSet<string>? values, [NotNullWhen(false)] out string? error)
        {
            values = null;
            var open = Consume();
            if (open.Kind != TokenKind.OpenParenthesis)
            {
                error = $"found '{open.Text}', expected: '('";
                return false;
            }

            var set = new SortedSet<string>(StringComparer.Ordinal);
            var expectValue = true;
            while (true)
            {
                var token = Consume();
                switch (token.Kind)
                {
                    case TokenKind.Identifier when expectValue:
                        set.Add(token.Text);
                        expectValue = false;
                        break;
                    case TokenKind.Comma:
                        if (expectValue)
                        {
                            set.Add(string.Empty);
                        }

                        expectValue = true;
                        break;
                    case TokenKind.CloseParenthesis:
                        if (expectValue)
                        {
                            set.Add(string.Empty);
                        }

                        values = set;
                        error = null;
                        return true;
                    default:
                        error = expectValue
                            ? $"found '{token.Text}', expected: ',', ')' or identifier"
                            : $"found '{token.Text}', expected: ',' or ')'";
                        return false;
                }
            }
        }

        /// <summary>One value after <c>=</c>, <c>==</c>, <c>!=</c>, <c>&gt;</c> or <c>&lt;</c>; nothing means the empty value.</summary>
        private bool TryParseExactValue(out SortedSet<string>? values, [NotNullWhen(false)] out string? error)
        {
            values = new SortedSet<string>(StringComparer.Ordinal);
            var next = Peek();
            if (next.Kind is TokenKind.EndOfString or TokenKind.Comma)
            {
                values.Add(string.Empty);
                error = null;
                return true;
            }

            var token = Consume();
            if (token.Kind != TokenKind.Identifier)
            {
                values = null;
                error = $"found '{token.Text}', expected: identifier";
                return false;
            }

            values.Add(token.Text);
            error = null;
            return true;
        }

        private Token Peek() => AsValue(_tokens[_position]);

        private Token Consume() => AsValue(_tokens[_position < _tokens.Count - 1 ? _position++ : _position]);

        /// <summary>Operators are the one place where <c>in</c> and <c>notin</c> are keywords.</summary>
        private Token ConsumeOperator() => _tokens[_position < _tokens.Count - 1 ? _position++ : _position];

        /// <summary>Outside operator position the keywords are plain identifiers (a key or value may be "in").</summary>
        private static Token AsValue(Token token) =>
            token.Kind is TokenKind.In or TokenKind.NotIn ? token with { Kind = TokenKind.Identifier } : token;

        private static List<Token> Lex(string text)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (true)
            {
                while (i < text.Length && IsWhitespace(text[i]))
                {
                    i++;
                }

                if (i >= text.Length)
                {
                    tokens.Add(new Token(TokenKind.EndOfString, string.Empty));
                    return tokens;
                }

                var c = text[i];
                if (IsSpecial(c))
                {
                    var next = i + 1 < text.Length ? text[i + 1] : '\0';
                    (TokenKind kind, int length) = (c, next) switch
                    {
                        ('=', '=') => (TokenKind.DoubleEquals, 2),
                        ('!', '=') => (TokenKind.NotEquals, 2),
                        ('=', _) => (TokenKind.Equals, 1),
                        ('!', _) => (TokenKind.DoesNotExist, 1),
                        ('(', _) => (TokenKind.OpenParenthesis, 1),
                        (')', _) => (TokenKind.CloseParenthesis, 1),
                        (',', _) => (TokenKind.Comma, 1),
                        ('>', _) => (TokenKind.GreaterThan, 1),
                        _ => (TokenKind.LessThan, 1),
                    };
                    tokens.Add(new Token(kind, text.Substring(i, length)));
                    i += length;
                    continue;
                }

                var start = i;
                while (i < text.Length && !IsWhitespace(text[i]) && !IsSpecial(text[i]))
                {
                    i++;
                }

                var word = text[start..i];
                tokens.Add(new Token(
                    word switch
                    {
                        "in" => TokenKind.In,
                        "notin" => TokenKind.NotIn,
                        _ => TokenKind.Identifier,
                    },
                    word));
            }
        }

        private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

        private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';
    }

    private enum TokenKind
    {
        EndOfString,
        Identifier,
        In,
        NotIn,
        Equals,
        DoubleEquals,
        NotEquals,
        DoesNotExist,
        GreaterThan,
        LessThan,
        OpenParenthesis,
        CloseParenthesis,
        Comma,
    }

    private readonly record struct Token(TokenKind Kind, string Text);
}
