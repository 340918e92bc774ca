// The label selector string parser: a lexer and a recursive-descent parser for the grammar
// of k8s.io/apimachinery/pkg/labels, reporting errors in the server's words.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/label_selector.h"
#include "common/status.h"
#include "kube/api/field_error.h"
#include "kube/api/names.h"

namespace flyover::apiserver {
namespace {

enum class Token {
  kEnd,
  kIdentifier,
  kIn,
  kNotIn,
  kNot,  // "!"
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kGreater,
  kLess,
  kOpenParen,
  kCloseParen,
  kComma,
};

struct Item {
  Token token;
  std::string literal;
};

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSpecial(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

Token SpecialToken(absl::string_view symbol) {
  if (symbol == "!=") return Token::kNotEquals;
  if (symbol == "==") return Token::kDoubleEquals;
  switch (symbol[0]) {
    case '!': return Token::kNot;
    case '=': return Token::kEquals;
    case '(': return Token::kOpenParen;
    case ')': return Token::kCloseParen;
    case ',': return Token::kComma;
    case '>': return Token::kGreater;
    default: return Token::kLess;
  }
}

std::vector<Item> Lex(absl::string_view input) {
  std::vector<Item> items;
  size_t pos = 0;
  while (true) {
    while (pos < input.size() && IsWhitespace(input[pos])) ++pos;
    if (pos == input.size()) break;
    if (IsSpecial(input[pos])) {
      // The two-character operators "!=" and "==" win over their first character.
      size_t length = 1;
      if (pos + 1 < input.size() && input[pos + 1] == '=' &&
          (input[pos] == '!' || input[pos] == '=')) {
        length = 2;
      }
      absl::string_view symbol = input.substr(pos, length);
      items.push_back({SpecialToken(symbol), std::string(symbol)});
      pos += length;
      continue;
    }
    size_t end = pos;
    while (end < input.size() && !IsSpecial(input[end]) && !IsWhitespace(input[end])) ++end;
    std::string word(input.substr(pos, end - pos));
    Token token = word == "in" ? Token::kIn : word == "notin" ? Token::kNotIn : Token::kIdentifier;
    items.push_back({token, std::move(word)});
    pos = end;
  }
  items.push_back({Token::kEnd, ""});
  return items;
}

// Where the parser reads values, the keywords "in" and "notin" are plain identifiers.
enum class Context { kKeyAndOperator, kValues };

class Parser {
 public:
  explicit Parser(std::vector<Item> items) : items_(std::move(items)) {}

  absl::StatusOr<std::vector<LabelRequirement>> ParseAll();

 private:
  Token Peek(Context context) const { return Effective(items_[position_].token, context); }
  const std::string& PeekLiteral() const { return items_[position_].literal; }
  Token Next(Context context, std::string* literal) {
    const Item& item = items_[position_];
    if (position_ + 1 < items_.size()) ++position_;
    *literal = item.literal;
    return Effective(item.token, context);
  }
  static Token Effective(Token token, Context context) {
    if (context == Context::kValues && (token == Token::kIn || token == Token::kNotIn)) {
      return Token::kIdentifier;
    }
    return token;
  }

  absl::StatusOr<LabelRequirement> ParseRequirement();
  absl::StatusOr<LabelOperator> ParseOperator();
  absl::StatusOr<std::vector<std::string>> ParseValues();
  absl::StatusOr<std::vector<std::string>> ParseIdentifiersList();
  absl::StatusOr<std::vector<std::string>> ParseExactValue();

  std::vector<Item> items_;
  size_t position_ = 0;
};

absl::Status Found(absl::string_view literal, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("found '", literal, "', expected: ", expected));
}

absl::StatusOr<std::vector<LabelRequirement>> Parser::ParseAll() {
  std::vector<LabelRequirement> requirements;
  while (true) {
    const Token token = Peek(Context::kValues);
    if (token == Token::kEnd) return requirements;
    if (token != Token::kIdentifier && token != Token::kNot) {
      return Found(PeekLiteral(), "!, identifier, or 'end of string'");
    }
    absl::StatusOr<LabelRequirement> requirement = ParseRequirement();
    if (!requirement.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to parse requirement: ", requirement.status().message()));
    }
    requirements.push_back(*std::move(requirement));
    std::string literal;
    const Token after = Next(Context::kValues, &literal);
    if (after == Token::kEnd) return requirements;
    if (after != Token::kComma) return Found(literal, "',' or 'end of string'");
    const Token following = Peek(Context::kValues);
    if (following != Token::kIdentifier && following != Token::kNot) {
      return Found(PeekLiteral(), "identifier after ','");
    }
  }
}

absl::StatusOr<LabelRequirement> Parser::ParseRequirement() {
  std::string key;
  Token token = Next(Context::kValues, &key);
  const bool negated = token == Token::kNot;
  if (negated) token = Next(Context::kValues, &key);
  if (token != Token::kIdentifier) return Found(key, "identifier");
  if (std::string reason = kube::CheckQualifiedName(key); !reason.empty()) {
    kube::ErrorList errors;  // the key is checked before the operator, as the server does
    errors.Invalid(kube::FieldPath("key"), key, reason);
    return absl::InvalidArgumentError(errors.Strings()[0]);
  }
  const Token lookahead = Peek(Context::kValues);
  if (negated || lookahead == Token::kEnd || lookahead == Token::kComma) {
    // "!a" and "a" take no operator; whatever follows "!a" is the caller's to reject.
    return MakeLabelRequirement(std::move(key),
                                negated ? LabelOperator::kDoesNotExist : LabelOperator::kExists,
                                {});
  }
  ASSIGN_OR_RETURN(LabelOperator op, ParseOperator());
  std::vector<std::string> values;
  if (op == LabelOperator::kIn || op == LabelOperator::kNotIn) {
    ASSIGN_OR_RETURN(values, ParseValues());
  } else {
    ASSIGN_OR_RETURN(values, ParseExactValue());
  }
  return MakeLabelRequirement(std::move(key), op, std::move(values));
}

absl::StatusOr<LabelOperator> Parser::ParseOperator() {
  std::string literal;
  switch (Next(Context::kKeyAndOperator, &literal)) {
    case Token::kIn: return LabelOperator::kIn;
    case Token::kNotIn: return LabelOperator::kNotIn;
    case Token::kEquals: return LabelOperator::kEquals;
    case Token::kDoubleEquals: return LabelOperator::kDoubleEquals;
    case Token::kNotEquals: return LabelOperator::kNotEquals;
    case Token::kGreater: return LabelOperator::kGreaterThan;
    case Token::kLess: return LabelOperator::kLessThan;
    default: break;
  }
  return Found(literal, "in, notin, =, ==, !=, gt, lt");
}

absl::StatusOr<std::vector<std::string>> Parser::ParseValues() {
  std::string literal;
  if (Next(Context::kValues, &literal) != Token::kOpenParen) {
    return absl::InvalidArgumentError(absl::StrCat("found '", literal, "' expected: '('"));
  }
  const Token token = Peek(Context::kValues);
  if (token == Token::kCloseParen) {  // "()" holds the empty value
    Next(Context::kValues, &literal);
    return std::vector<std::string>{""};
  }
  if (token != Token::kIdentifier && token != Token::kComma) {
    return Found(PeekLiteral(), "',', ')' or identifier");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> values, ParseIdentifiersList());
  if (Next(Context::kValues, &literal) != Token::kCloseParen) return Found(literal, "')'");
  return values;
}

// A comma-separated list where missing items are empty values: "(,a,,b,)".
absl::StatusOr<std::vector<std::string>> Parser::ParseIdentifiersList() {
  std::vector<std::string> values;
  while (true) {
    std::string literal;
    const Token token = Next(Context::kValues, &literal);
    if (token == Token::kIdentifier) {
      values.push_back(literal);
      const Token after = Peek(Context::kValues);
      if (after == Token::kCloseParen) return values;
      if (after != Token::kComma) return Found(PeekLiteral(), "',' or ')'");
      continue;
    }
    if (token != Token::kComma) return Found(literal, "',', or identifier");
    if (values.empty()) values.push_back("");  // "(,"
    const Token after = Peek(Context::kValues);
    if (after == Token::kCloseParen) {  // ",)"
      values.push_back("");
      return values;
    }
    if (after == Token::kComma) {  // ",,"
      Next(Context::kValues, &literal);
      values.push_back("");
    }
  }
}

absl::StatusOr<std::vector<std::string>> Parser::ParseExactValue() {
  const Token token = Peek(Context::kValues);
  if (token == Token::kEnd || token == Token::kComma) return std::vector<std::string>{""};
  std::string literal;
  if (Next(Context::kValues, &literal) == Token::kIdentifier) {
    return std::vector<std::string>{literal};
  }
  return Found(literal, "identifier");
}

}  // namespace

absl::StatusOr<LabelSelector> LabelSelector::Parse(absl::string_view selector) {
  Parser parser(Lex(selector));
  absl::StatusOr<std::vector<LabelRequirement>> requirements = parser.ParseAll();
  if (!requirements.ok()) {
    return ToAbslStatus(BadRequestStatus(absl::StrCat(
        "invalid label selector \"", selector, "\": ", requirements.status().message())));
  }
  return LabelSelector(*std::move(requirements));
}

}  // namespace flyover::apiserver
